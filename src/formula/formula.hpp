// R-style model formulas (contract section 4), parsed into a small AST.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace kohort {

// One variable inside a term: a plain column, or factor(col[, ref=L]).
struct Variable {
    std::string column;
    bool as_factor = false;             // factor(x); categorical/bool columns are factors anyway
    std::optional<std::string> ref;     // factor(x, ref=L)
    bool operator==(const Variable&) const = default;
};

// A model term: a main effect (one variable) or an interaction a:b:c.
struct Term {
    std::vector<Variable> variables;
    bool operator==(const Term&) const = default;
};

struct Offset {
    std::string column;
    bool log = false;                   // offset(log(x))
    bool operator==(const Offset&) const = default;
};

struct Formula {
    enum class Response { None, Column, Surv2, Surv3 };
    Response response = Response::None;
    // Column: {y}; Surv2: {time, status}; Surv3: {start, stop, status}.
    std::vector<std::string> response_columns;
    std::vector<Term> terms;            // expanded: a*b -> a + b + a:b, duplicates removed, R's order
    std::vector<std::string> strata;    // strata(x, y) columns, in order
    std::vector<Offset> offsets;
    std::optional<std::string> cluster; // cluster(id)
    bool intercept = true;              // false after "- 1" or "+ 0"
    std::string text;                   // the original text

    // All columns the formula reads (for loading and missing-value handling).
    std::vector<std::string> columns() const;
};

// Throws FormulaError (a UsageError) whose message shows the formula with a caret under the
// offending position, for example:
//   formula: Surv(time, status) ~ age + factor(sex
//                                                 ^ expected ')' to close factor(
Formula parse_formula(const std::string& text);

// A formula that does not parse. position() is the 0-based byte offset in the formula text that
// the caret points at; reason() is the "expected ..." part without the formula and caret lines.
class FormulaError : public UsageError {
public:
    FormulaError(const std::string& text, std::size_t position, const std::string& reason);
    std::size_t position() const noexcept { return position_; }
    const std::string& reason() const noexcept { return reason_; }

private:
    std::size_t position_;
    std::string reason_;
};

// The term's label much as R's terms() prints it: variables joined by ':', e.g. "factor(sex):age".
std::string term_label(const Term& term);

}  // namespace kohort
