// Parser for R-style model formulas (contract section 4).
//
// Term algebra follows R's terms.formula (R Core, src/library/stats/src/model.c): a term is a set of
// variables; `a*b` is a + b + a:b; `(a+b)^2` is every product of up to two terms; `-` removes a term;
// duplicates (also b:a versus a:b) are removed; terms are finally ordered by degree, keeping the
// order of appearance within a degree, and a term lists its variables in the order the variables
// first appear in the formula (so `y ~ b:a + a` gives the terms a, b:a).
#include "formula/formula.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <set>

#include "formula/limits.hpp"

namespace kohort {

namespace {

std::string caret_message(const std::string& text, std::size_t pos, const std::string& reason) {
    std::string shown = text;
    for (char& c : shown)
        if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    const std::string lead = "  formula: ";
    return "invalid formula: " + reason + "\n" + lead + shown + "\n" + std::string(lead.size() + pos, ' ') + "^";
}

enum class Tok { Ident, Number, String, Tilde, Plus, Minus, Star, Colon, Caret, LParen, RParen, Comma, Equals, End };

struct Token {
    Tok kind = Tok::End;
    std::string text;     // identifier (without backquotes), number, or string contents
    std::size_t pos = 0;  // byte offset of the token's first character
    bool quoted = false;  // identifier written in backquotes
};

bool ident_start(unsigned char c) { return std::isalpha(c) || c == '.' || c == '_' || c >= 0x80; }
bool ident_char(unsigned char c) { return std::isalnum(c) || c == '.' || c == '_' || c >= 0x80; }

std::vector<Token> tokenize(const std::string& s) {
    std::vector<Token> out;
    std::size_t i = 0;
    const std::size_t n = s.size();
    while (i < n) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (std::isspace(c)) {
            ++i;
            continue;
        }
        Token t;
        t.pos = i;
        const bool dot_number = c == '.' && i + 1 < n && std::isdigit(static_cast<unsigned char>(s[i + 1]));
        if (std::isdigit(c) || dot_number) {
            std::size_t j = i;
            while (j < n && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
            if (j < n && s[j] == '.') {
                ++j;
                while (j < n && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
            }
            if (j < n && (s[j] == 'e' || s[j] == 'E')) {
                std::size_t k = j + 1;
                if (k < n && (s[k] == '+' || s[k] == '-')) ++k;
                if (k < n && std::isdigit(static_cast<unsigned char>(s[k]))) {
                    while (k < n && std::isdigit(static_cast<unsigned char>(s[k]))) ++k;
                    j = k;
                }
            }
            // R accepts an integer suffix L (factor(x, ref=2L)).
            if (j < n && s[j] == 'L') {
                t.text = s.substr(i, j - i);
                ++j;
            } else {
                t.text = s.substr(i, j - i);
            }
            t.kind = Tok::Number;
            i = j;
        } else if (ident_start(c)) {
            std::size_t j = i;
            while (j < n && ident_char(static_cast<unsigned char>(s[j]))) ++j;
            t.kind = Tok::Ident;
            t.text = s.substr(i, j - i);
            i = j;
        } else if (c == '`' || c == '"' || c == '\'') {
            const std::size_t close = s.find(static_cast<char>(c), i + 1);
            if (close == std::string::npos)
                throw FormulaError(s, i, std::string("unterminated ") + (c == '`' ? "backquoted name" : "string") +
                                             "; expected a closing " + static_cast<char>(c));
            t.text = s.substr(i + 1, close - i - 1);
            if (c == '`') {
                if (t.text.empty()) throw FormulaError(s, i, "empty backquoted name; expected a column name");
                t.kind = Tok::Ident;
                t.quoted = true;
            } else {
                t.kind = Tok::String;
            }
            i = close + 1;
        } else {
            switch (c) {
                case '~': t.kind = Tok::Tilde; break;
                case '+': t.kind = Tok::Plus; break;
                case '-': t.kind = Tok::Minus; break;
                case '*': t.kind = Tok::Star; break;
                case ':': t.kind = Tok::Colon; break;
                case '^': t.kind = Tok::Caret; break;
                case '(': t.kind = Tok::LParen; break;
                case ')': t.kind = Tok::RParen; break;
                case ',': t.kind = Tok::Comma; break;
                case '=': t.kind = Tok::Equals; break;
                default:
                    throw FormulaError(s, i, std::string("unexpected character '") + static_cast<char>(c) +
                                                 "'; expected a column name, an operator (+ - * : ^) or a parenthesis");
            }
            t.text = std::string(1, static_cast<char>(c));
            ++i;
        }
        out.push_back(std::move(t));
    }
    Token end;
    end.kind = Tok::End;
    end.pos = n;
    out.push_back(end);
    return out;
}

// A term while parsing: the sorted indices of its variables.
using TermKey = std::vector<int>;

TermKey join(const TermKey& a, const TermKey& b) {
    TermKey out;
    std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
    return out;
}

void add_unique(std::vector<TermKey>& list, const TermKey& t) {
    if (std::find(list.begin(), list.end(), t) == list.end()) list.push_back(t);
}

// The value of a sub-expression of the right-hand side.
struct Part {
    enum Kind { Terms, Zero, One, Strata, OffsetSpec, Cluster } kind = Terms;
    std::size_t pos = 0;
    std::vector<TermKey> terms;
    std::vector<std::string> strata;
    Offset offset;
    std::string cluster;
};

class Parser {
public:
    explicit Parser(const std::string& text) : text_(text), toks_(tokenize(text)) {}

    Formula parse() {
        Formula f;
        f.text = text_;
        if (peek().kind == Tok::End) fail(peek().pos, "empty formula; expected for example 'Surv(time, status) ~ x'");
        parse_response(f);
        if (peek().kind != Tok::Tilde)
            fail(peek().pos, "expected '~' between the response and the terms");
        advance();
        if (peek().kind == Tok::End)
            fail(peek().pos, "expected terms after '~' (write 1 for an intercept-only model)");
        rhs_ = &f;
        parse_sum(true);
        if (peek().kind != Tok::End) {
            if (peek().kind == Tok::RParen) fail(peek().pos, "unmatched ')'");
            fail(peek().pos, "unexpected " + describe(peek()) +
                                 "; expected '+', '-', '*', ':' or the end of the formula");
        }
        // R orders terms by degree, keeping the order of appearance within a degree.
        std::stable_sort(terms_.begin(), terms_.end(),
                         [](const TermKey& a, const TermKey& b) { return a.size() < b.size(); });
        for (const TermKey& k : terms_) {
            Term t;
            for (int v : k) t.variables.push_back(vars_[static_cast<std::size_t>(v)]);
            f.terms.push_back(std::move(t));
        }
        f.intercept = intercept_;
        return f;
    }

private:
    const Token& peek(std::size_t ahead = 0) const { return toks_[std::min(i_ + ahead, toks_.size() - 1)]; }
    const Token& advance() { return toks_[i_ < toks_.size() - 1 ? i_++ : i_]; }

    [[noreturn]] void fail(std::size_t pos, const std::string& reason) const { throw FormulaError(text_, pos, reason); }

    static std::string describe(const Token& t) {
        switch (t.kind) {
            case Tok::End: return "end of formula";
            case Tok::Ident: return "'" + t.text + "'";
            case Tok::Number: return "number " + t.text;
            case Tok::String: return "string \"" + t.text + "\"";
            default: return "'" + t.text + "'";
        }
    }

    void expect_close(const std::string& what_opened) {
        if (peek().kind != Tok::RParen) fail(peek().pos, "expected ')' to close " + what_opened);
        advance();
    }

    std::string column_name(const std::string& context) {
        const Token& t = peek();
        if (t.kind != Tok::Ident) fail(t.pos, "expected a column name " + context + ", found " + describe(t));
        if (!t.quoted && peek(1).kind == Tok::LParen)
            fail(t.pos, "expected a column name " + context + ", found the function call '" + t.text + "('");
        advance();
        return t.text;
    }

    void parse_response(Formula& f) {
        const Token& t = peek();
        if (t.kind == Tok::Tilde) return;  // one-sided formula
        if (t.kind == Tok::Ident && !t.quoted && t.text == "Surv" && peek(1).kind == Tok::LParen) {
            const std::size_t at = t.pos;
            advance();
            advance();
            std::vector<std::string> cols{column_name("in Surv(")};
            while (peek().kind == Tok::Comma) {
                advance();
                cols.push_back(column_name("in Surv("));
            }
            expect_close("Surv(");
            if (cols.size() != 2 && cols.size() != 3)
                fail(at, "Surv() takes 2 or 3 columns, Surv(time, status) or Surv(start, stop, status); found " +
                             std::to_string(cols.size()));
            f.response = cols.size() == 2 ? Formula::Response::Surv2 : Formula::Response::Surv3;
            f.response_columns = cols;
            return;
        }
        if (t.kind == Tok::Ident) {
            f.response = Formula::Response::Column;
            f.response_columns = {column_name("as the response")};
            return;
        }
        fail(t.pos, "expected a response (a column or Surv(...)) or '~', found " + describe(t));
    }

    int variable_index(const Variable& v) {
        for (std::size_t k = 0; k < vars_.size(); ++k)
            if (vars_[k] == v) return static_cast<int>(k);
        vars_.push_back(v);
        return static_cast<int>(vars_.size() - 1);
    }

    Part variable_part(const Variable& v, std::size_t pos) {
        Part p;
        p.pos = pos;
        p.terms = {TermKey{variable_index(v)}};
        return p;
    }

    // sum := [+|-] product ((+|-) product)*. At the top level it also collects the intercept and
    // the specials (strata, offset, cluster); inside parentheses only variables may appear.
    Part parse_sum(bool top) {
        Part acc;
        acc.pos = peek().pos;
        bool minus = false;
        if (peek().kind == Tok::Plus || peek().kind == Tok::Minus) minus = advance().kind == Tok::Minus;
        for (;;) {
            Part p = parse_product();
            if (top)
                apply_top(p, minus);
            else
                apply_nested(acc, p, minus);
            if (peek().kind == Tok::Plus || peek().kind == Tok::Minus) {
                minus = advance().kind == Tok::Minus;
                continue;
            }
            break;
        }
        return acc;
    }

    void apply_top(const Part& p, bool minus) {
        switch (p.kind) {
            case Part::Terms:
                for (const TermKey& t : p.terms) {
                    if (minus)
                        terms_.erase(std::remove(terms_.begin(), terms_.end(), t), terms_.end());
                    else
                        add_unique(terms_, t);
                }
                check_terms(terms_.size(), p.pos);
                return;
            case Part::Zero: intercept_ = minus; return;   // + 0 drops it, - 0 keeps it (R)
            case Part::One: intercept_ = !minus; return;   // + 1 keeps it, - 1 drops it
            default: break;
        }
        if (minus) fail(p.pos, "strata(), offset() and cluster() cannot be subtracted; expected '+' before them");
        if (p.kind == Part::Strata) {
            for (const auto& s : p.strata)
                if (std::find(rhs_->strata.begin(), rhs_->strata.end(), s) == rhs_->strata.end())
                    rhs_->strata.push_back(s);
        } else if (p.kind == Part::OffsetSpec) {
            rhs_->offsets.push_back(p.offset);
        } else if (p.kind == Part::Cluster) {
            if (rhs_->cluster && *rhs_->cluster != p.cluster)
                fail(p.pos, "a formula takes one cluster() term; expected a single cluster(id)");
            rhs_->cluster = p.cluster;
        }
    }

    void apply_nested(Part& acc, const Part& p, bool minus) {
        require_terms(p, "inside parentheses");
        for (const TermKey& t : p.terms) {
            if (minus)
                acc.terms.erase(std::remove(acc.terms.begin(), acc.terms.end(), t), acc.terms.end());
            else
                add_unique(acc.terms, t);
        }
    }

    void require_terms(const Part& p, const std::string& where) const {
        switch (p.kind) {
            case Part::Terms: return;
            case Part::Zero:
            case Part::One: fail(p.pos, "the intercept (0 or 1) cannot be used " + where + "; expected a variable");
            case Part::Strata: fail(p.pos, "strata() cannot be used " + where + "; expected a variable");
            case Part::OffsetSpec: fail(p.pos, "offset() cannot be used " + where + "; expected a variable");
            case Part::Cluster: fail(p.pos, "cluster() cannot be used " + where + "; expected a variable");
        }
    }

    // Expansions multiply terms, so each result is bounded before it is built (limits.hpp).
    void check_terms(std::size_t count, std::size_t pos) const {
        if (count > limits::kFormulaTerms)
            fail(pos, "this expands to more than " + std::to_string(limits::kFormulaTerms) +
                          " terms, the limit on formula terms; expected fewer interactions");
    }

    std::vector<TermKey> cross(const std::vector<TermKey>& a, const std::vector<TermKey>& b, std::size_t pos) const {
        // Products of more than 16 x the term limit pairs cannot dedupe to within the limit in any
        // formula a person writes; refusing them bounds the work (fuzzing found (a+b+...)^6 taking
        // minutes under the 1024-term check alone).
        if (!a.empty() && b.size() > 16 * limits::kFormulaTerms / a.size())
            fail(pos, "this multiplies " + std::to_string(a.size()) + " by " + std::to_string(b.size()) +
                          " terms, more than the limit on formula terms (" + std::to_string(limits::kFormulaTerms) +
                          ") allows; expected fewer interactions");
        std::vector<TermKey> out;
        std::set<TermKey> seen;  // membership in O(log n), not a scan of `out`
        for (const TermKey& x : a)
            for (const TermKey& y : b) {
                TermKey t = join(x, y);
                if (seen.insert(t).second) out.push_back(std::move(t));
                check_terms(out.size(), pos);
            }
        return out;
    }

    // a*b = a + b + a:b
    std::vector<TermKey> star(const std::vector<TermKey>& a, const std::vector<TermKey>& b, std::size_t pos) const {
        std::vector<TermKey> out;
        std::set<TermKey> seen;
        for (const auto* list : {&a, &b})
            for (const TermKey& t : *list)
                if (seen.insert(t).second) out.push_back(t);
        for (TermKey& t : cross(a, b, pos))
            if (seen.insert(t).second) out.push_back(std::move(t));
        check_terms(out.size(), pos);
        return out;
    }

    // a * b (star) binds looser than a:b (cross); both are left-associative levels of terms.
    Part parse_product() {
        return parse_binary(Tok::Star, "in an interaction (*)", &Parser::parse_interaction, &Parser::star);
    }
    Part parse_interaction() {
        return parse_binary(Tok::Colon, "in an interaction (:)", &Parser::parse_power, &Parser::cross);
    }

    // operand (op operand)*, each operand parsed by `next` and required to be terms, folded from
    // the left by `combine`.
    using Combine = std::vector<TermKey> (Parser::*)(const std::vector<TermKey>&, const std::vector<TermKey>&,
                                                     std::size_t) const;
    Part parse_binary(Tok op, const char* where, Part (Parser::*next)(), Combine combine) {
        Part left = (this->*next)();
        while (peek().kind == op) {
            const std::size_t at = advance().pos;
            require_terms(left, where);
            Part right = (this->*next)();
            require_terms(right, where);
            left.terms = (this->*combine)(left.terms, right.terms, at);
        }
        return left;
    }

    // (a + b + c)^k: every interaction of up to k of the terms.
    Part parse_power() {
        Part base = parse_primary();
        if (peek().kind != Tok::Caret) return base;
        advance();
        require_terms(base, "with ^");
        const Token& t = peek();
        char* end = nullptr;
        errno = 0;
        const long k = t.kind == Tok::Number ? std::strtol(t.text.c_str(), &end, 10) : 0;
        if (t.kind != Tok::Number || *end != '\0' || k < 1)
            fail(t.pos, "expected a positive whole number after '^', found " + describe(t));
        if (errno == ERANGE || k > limits::kFormulaExponent)
            fail(t.pos, "the exponent " + t.text + " is above the limit on formula exponents, " +
                            std::to_string(limits::kFormulaExponent) + "; expected ^2 or ^3, as is usual");
        advance();
        // After as many rounds as there are terms nothing new appears (R gives the same), so stop there.
        const long rounds = std::min<long>(k, static_cast<long>(base.terms.size()));
        std::vector<TermKey> out = base.terms;
        for (long j = 1; j < rounds; ++j) out = star(out, base.terms, t.pos);
        base.terms = out;
        return base;
    }

    Part parse_primary() {
        const Token& t = peek();
        switch (t.kind) {
            case Tok::LParen: {
                // Each '(' recurses; the limit keeps a hostile formula from exhausting the stack.
                if (++depth_ > limits::kFormulaNesting)
                    fail(t.pos, "parentheses are nested more than " + std::to_string(limits::kFormulaNesting) +
                                    " deep, the limit on formula nesting depth");
                advance();
                if (peek().kind == Tok::RParen) fail(peek().pos, "expected terms inside '()'");
                Part p = parse_sum(false);
                p.pos = t.pos;
                expect_close("'('");
                --depth_;
                return p;
            }
            case Tok::Number: {
                Part p;
                p.pos = t.pos;
                char* end = nullptr;
                const double v = std::strtod(t.text.c_str(), &end);
                if (v == 0.0)
                    p.kind = Part::Zero;
                else if (v == 1.0)
                    p.kind = Part::One;
                else
                    fail(t.pos, "a number in a formula must be 0 or 1 (the intercept), found " + t.text);
                advance();
                return p;
            }
            case Tok::Ident:
                if (!t.quoted && peek(1).kind == Tok::LParen) return parse_call();
                if (!t.quoted && t.text == ".")
                    fail(t.pos, "'.' (all other columns) is not supported; expected the columns listed by name");
                {
                    const std::size_t pos = t.pos;
                    Variable v;
                    v.column = advance().text;
                    return variable_part(v, pos);
                }
            case Tok::End:
                fail(t.pos, "expected a term (a column, factor(x), strata(x), offset(x), cluster(id), 0 or 1) "
                            "at the end of the formula");
            default:
                fail(t.pos, "unexpected " + describe(t) +
                                "; expected a term (a column, factor(x), strata(x), offset(x), cluster(id), 0 or 1)");
        }
    }

    Part parse_call() {
        const Token name = advance();
        advance();  // '('
        const std::string& fn = name.text;
        const std::string opened = fn + "(";
        Part p;
        p.pos = name.pos;
        if (fn == "factor" || fn == "as.factor") {
            Variable v;
            v.as_factor = true;
            v.column = column_name("in " + opened);
            if (fn == "factor" && peek().kind == Tok::Comma) {
                advance();
                const Token& key = peek();
                if (key.kind != Tok::Ident || key.text != "ref")
                    fail(key.pos, "expected 'ref=LEVEL' after the column in factor(, found " + describe(key));
                advance();
                if (peek().kind != Tok::Equals) fail(peek().pos, "expected '=' after 'ref' in factor(");
                advance();
                v.ref = parse_level();
            }
            expect_close(opened);
            return variable_part(v, name.pos);
        }
        if (fn == "strata") {
            p.kind = Part::Strata;
            p.strata.push_back(column_name("in strata("));
            while (peek().kind == Tok::Comma) {
                advance();
                p.strata.push_back(column_name("in strata("));
            }
            expect_close(opened);
            return p;
        }
        if (fn == "offset") {
            p.kind = Part::OffsetSpec;
            const Token& t = peek();
            if (t.kind == Tok::Ident && !t.quoted && peek(1).kind == Tok::LParen) {
                if (t.text != "log")
                    fail(t.pos, "offset() takes a column or log(column); found the function '" + t.text + "('");
                advance();
                advance();
                p.offset.log = true;
                p.offset.column = column_name("in log(");
                expect_close("log(");
            } else {
                p.offset.column = column_name("in offset(");
            }
            expect_close(opened);
            return p;
        }
        if (fn == "cluster") {
            p.kind = Part::Cluster;
            p.cluster = column_name("in cluster(");
            expect_close(opened);
            return p;
        }
        if (fn == "Surv") fail(name.pos, "Surv(...) belongs on the left-hand side of '~'");
        if (fn == "log") fail(name.pos, "log() is only supported inside offset(), as offset(log(x))");
        fail(name.pos, "unknown function '" + fn +
                           "'; expected factor(), strata(), offset() or cluster(), or a column name");
    }

    // The reference level in factor(x, ref=L): a number (optionally negative), a quoted label or a name.
    std::string parse_level() {
        const Token& t = peek();
        if (t.kind == Tok::Minus && peek(1).kind == Tok::Number) {
            advance();
            return "-" + advance().text;
        }
        if (t.kind == Tok::Number || t.kind == Tok::String || t.kind == Tok::Ident) return advance().text;
        fail(t.pos, "expected a level after 'ref=' (a number, a quoted label or a name), found " + describe(t));
    }

    const std::string& text_;
    std::vector<Token> toks_;
    std::size_t i_ = 0;
    std::vector<Variable> vars_;   // in order of first appearance
    std::vector<TermKey> terms_;   // in order of appearance until sorted
    bool intercept_ = true;
    Formula* rhs_ = nullptr;
    std::size_t depth_ = 0;        // parentheses open around the current position
};

}  // namespace

FormulaError::FormulaError(const std::string& text, std::size_t position, const std::string& reason)
    : UsageError(caret_message(text, position, reason)), position_(position), reason_(reason) {}

Formula parse_formula(const std::string& text) { return Parser(text).parse(); }

std::string term_label(const Term& term) {
    std::string out;
    for (const Variable& v : term.variables) {
        if (!out.empty()) out += ":";
        if (!v.as_factor)
            out += v.column;
        else if (v.ref)
            out += "factor(" + v.column + ", ref=" + *v.ref + ")";
        else
            out += "factor(" + v.column + ")";
    }
    return out;
}

std::vector<std::string> Formula::columns() const {
    std::vector<std::string> out;
    auto add = [&out](const std::string& c) {
        if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
    };
    for (const auto& c : response_columns) add(c);
    for (const auto& t : terms)
        for (const auto& v : t.variables) add(v.column);
    for (const auto& s : strata) add(s);
    for (const auto& o : offsets) add(o.column);
    if (cluster) add(*cluster);
    return out;
}

}  // namespace kohort
