#include "kernels/linkage/study_definition.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <set>

#include "core/error.hpp"
#include "io/date.hpp"
#include "engine/kernel.hpp"
#include "engine/option_values.hpp"
#include "formula/level_labels.hpp"
#include "kernels/linkage/code_match.hpp"

namespace kohort::linkage {

namespace {

// The declarations of the study sections (kohort kinds variable | cohort | lexis). Values whose
// form is richer than one type (index = DATE or first(VARIABLE)) are strings here; the parsers
// below check them, still before any register is read.
SectionDecl variable_declaration() {
    SectionDecl d("variable", "[variable.NAME]", "a code list in a register, a window relative to the index date and a value");
    d.add(string_option("register", "the register table to search, e.g. diagnoses").req());
    d.add(column_option("column", "the register's code column (categorical), e.g. icd10").req().elsewhere());
    d.add(string_option("codes", "codes or patterns to match").form("codes such as I21, I21* or E1[0-4]*").req());
    d.add(column_option("date", "the register's date column").def("date").elsewhere());
    d.add(window_option("window", "days relative to the index date, inclusive").note("-inf, inf"));
    d.add(string_option("between", "calendar dates, inclusive").form("FROM, TO as dates YYYY-MM-DD"));
    d.add(string_option("value", "what the variable holds").form("any, first, last, count or sum(COLUMN)").def("any"));
    return d;
}

SectionDecl cohort_declaration() {
    SectionDecl d("cohort", "[cohort.NAME]",
                  "the analysis table NAME: population, index date, eligibility, outcome and covariates");
    d.add(string_option("population", "the person table").def("population"));
    d.add(string_option("index", "the index date").form("a date YYYY-MM-DD or first(VARIABLE)").req());
    d.add(string_option("age", "age at index, MIN <= age < MAX").form("MIN, MAX in years"));
    d.add(string_option("exclude", "persons with any of these variables are left out").form("variable names"));
    d.add(string_option("require", "only persons with all of these variables").form("variable names"));
    d.add(date_option("end", "the last day of follow-up").req());
    d.add(string_option("outcome", "the outcome variable").form("the NAME of a [variable.NAME]").req());
    d.add(string_option("competing", "competing events").form("death and/or variable names"));
    d.add(choice_option("time_unit", {"years", "days"}, "the unit of follow-up time").def("years"));
    d.add(string_option("covariates", "the table's covariates")
              .form("age, sex, index_year, period, variables or population columns")
              .note("age, sex and every variable not in the design"));
    d.add(integer_option("period", 1, 1000, "years per calendar period of the index date").def("5"));
    d.add(bool_option("save", "write the table to the store").def("false"));
    return d;
}

SectionDecl lexis_declaration() {
    SectionDecl d("lexis", "[lexis.NAME]", "a cohort's follow-up split by age bands and calendar periods");
    d.add(string_option("cohort", "the NAME of the [cohort.NAME] to split").req());
    d.add(string_option("age", "age bands").form("a band width in years, or increasing breaks such as 30, 50, 70"));
    d.add(string_option("period", "calendar periods").form("a width in years, or increasing years or dates"));
    d.add(bool_option("save", "write the table to the store").def("false"));
    return d;
}

KOHORT_REGISTER_SECTION(variable_declaration());
KOHORT_REGISTER_SECTION(cohort_declaration());
KOHORT_REGISTER_SECTION(lexis_declaration());

std::string get(const std::map<std::string, std::string>& o, const std::string& key, const std::string& fallback = "") {
    auto it = o.find(key);
    return it == o.end() ? fallback : it->second;
}

std::string require(const std::string& where, const std::map<std::string, std::string>& o, const std::string& key,
                    const std::string& example) {
    auto it = o.find(key);
    if (it == o.end() || it->second.empty())
        throw UsageError(where + ": missing key '" + key + "'; for example " + key + " = " + example);
    return it->second;
}

double parse_number(const std::string& where, const std::string& key, const std::string& text) {
    if (const auto v = parse_real_value(text)) return *v;
    throw UsageError(where + ": " + key + " has '" + text + "'; expected a number");
}

// save = true | false, already validated against the declaration (empty: false).
bool save_flag(const std::map<std::string, std::string>& o) {
    return parse_bool_value(get(o, "save", "false")).value_or(false);
}

std::pair<std::string, std::string> two(const std::string& where, const std::string& key, const std::string& text,
                                        const std::string& example) {
    const auto parts = split_list(text);
    if (parts.size() != 2)
        throw UsageError(where + ": " + key + " has '" + text + "'; expected two values, for example " + key + " = " +
                         example);
    return {parts[0], parts[1]};
}

}  // namespace

std::int32_t parse_date_value(const std::string& where, const std::string& key, const std::string& text) {
    if (const auto days = parse_date_text(text)) return *days;
    throw UsageError(where + ": " + key + " has '" + text + "'; expected a date YYYY-MM-DD");
}

std::string format_date(std::int64_t days) { return format_iso_date(static_cast<std::int32_t>(days)); }

const std::map<std::string, std::string>* find_section(const JobFile& job, const std::string& section) {
    for (const auto& [s, o] : job.sections)
        if (s == section) return &o;
    return nullptr;
}

VariableDef parse_variable(const std::string& job_path, const std::string& name,
                           const std::map<std::string, std::string>& o) {
    VariableDef v;
    v.name = name;
    v.where = job_path + " [variable." + name + "]";
    v.register_name = require(v.where, o, "register", "diagnoses");
    v.code_column = require(v.where, o, "column", "icd10");
    v.date_column = get(o, "date", "date");
    if (!o.count("codes"))
        throw UsageError(v.where + ": missing key 'codes'; for example codes = I21*, I22*");
    v.codes = split_list(o.at("codes"));
    if (v.codes.empty())
        throw UsageError(v.where + ": codes is empty; expected one or more codes or patterns, for example codes = I21*");
    for (const auto& c : v.codes)
        if (auto problem = pattern_problem(c); !problem.empty())
            throw UsageError(v.where + ": codes has " + problem + "; expected codes such as I21, I21* or E1[0-4]*");
    if (o.count("window") && !o.at("window").empty()) {
        const Window w = *parse_window_value(o.at("window"));  // validated against the declaration
        v.from = w.from;
        v.to = w.to;
    }
    if (o.count("between")) {
        const auto [a, b] = two(v.where, "between", o.at("between"), "2005-01-01, 2015-12-31");
        v.between_from = parse_date_value(v.where, "between", a);
        v.between_to = parse_date_value(v.where, "between", b);
        if (v.between_to < v.between_from)
            throw UsageError(v.where + ": between = " + o.at("between") + " ends before it starts; expected FROM, TO with FROM <= TO");
    }
    const std::string value = lower(trim(get(o, "value", "any")));
    if (value == "any") v.value = ValueKind::any;
    else if (value == "first") v.value = ValueKind::first;
    else if (value == "last") v.value = ValueKind::last;
    else if (value == "count") v.value = ValueKind::count;
    else if (value.rfind("sum(", 0) == 0 && value.back() == ')' && value.size() > 5) {
        v.value = ValueKind::sum;
        v.sum_column = trim(trim(get(o, "value")).substr(4, trim(get(o, "value")).size() - 5));
    } else {
        throw UsageError(v.where + ": value = '" + get(o, "value") +
                         "'; expected any, first, last, count or sum(COLUMN), for example sum(ddd)");
    }
    return v;
}

std::map<std::string, VariableDef> parse_variables(const JobFile& job) {
    std::map<std::string, VariableDef> out;
    for (const auto& [section, o] : job.sections) {
        if (section.rfind("variable.", 0) != 0) continue;
        const std::string name = section.substr(9);
        out.emplace(name, parse_variable(job.path, name, o));
    }
    return out;
}

StudyDefinition parse_study(const JobFile& job, const std::string& name, const std::map<std::string, std::string>& o) {
    StudyDefinition s;
    s.variables = parse_variables(job);
    CohortDef& c = s.cohort;
    c.name = name;
    c.where = job.path + " [cohort." + name + "]";
    auto known_variable = [&](const std::string& key, const std::string& v) {
        if (s.variables.count(v)) return;
        std::string have;
        for (const auto& [n, _] : s.variables) have += (have.empty() ? "" : ", ") + n;
        throw UsageError(c.where + ": " + key + " names '" + v + "', which is not a [variable." + v +
                         "] section of the job; defined variables: " + (have.empty() ? "(none)" : have));
    };
    c.population = get(o, "population", "population");
    const std::string index = trim(require(c.where, o, "index", "2010-01-01 or index = first(VARIABLE)"));
    if (lower(index).rfind("first(", 0) == 0 && index.back() == ')') {
        c.index_variable = trim(index.substr(6, index.size() - 7));
        known_variable("index", c.index_variable);
    } else {
        std::int32_t d = 0;
        if (io::parse_iso_date(index, d) != io::DateParse::ok)
            throw UsageError(c.where + ": index has '" + index +
                             "'; expected a date YYYY-MM-DD or first(VARIABLE), the first qualifying event per person");
        c.index_date = d;
    }
    if (o.count("age")) {
        const auto [a, b] = two(c.where, "age", o.at("age"), "30, 90");
        c.age_min = parse_number(c.where, "age", a);
        c.age_max = parse_number(c.where, "age", b);
        if (*c.age_max <= *c.age_min)
            throw UsageError(c.where + ": age = " + o.at("age") + "; expected MIN, MAX with MIN < MAX (years at index)");
    }
    for (const char* key : {"exclude", "require"}) {
        auto& list = std::string(key) == "exclude" ? c.exclude : c.require;
        list = split_list(get(o, key));
        for (const auto& v : list) known_variable(key, v);
    }
    c.end = parse_date_value(c.where, "end", require(c.where, o, "end", "2020-12-31"));
    if (c.index_date && *c.index_date >= c.end)
        throw UsageError(c.where + ": index " + format_date(*c.index_date) + " is not before end " + format_date(c.end) +
                         "; expected an index date before the end of follow-up");
    c.outcome = trim(require(c.where, o, "outcome", "mi (a [variable.mi] section)"));
    known_variable("outcome", c.outcome);
    const VariableDef& out = s.variables.at(c.outcome);
    if (out.from < 1)
        throw UsageError(out.where + ": this variable is the outcome of [cohort." + name + "], so its window must start after the index date; expected window = 1, inf (found a start of " +
                         (out.from == kMinusInfinity ? std::string("-inf") : std::to_string(out.from)) + ")");
    for (const auto& v : split_list(get(o, "competing"))) {
        if (lower(v) == "death") {
            c.death_competes = true;
        } else {
            known_variable("competing", v);
            if (s.variables.at(v).from < 1)
                throw UsageError(s.variables.at(v).where + ": a competing event's window must start after the index date; expected window = 1, inf");
            c.competing.push_back(v);
        }
    }
    const std::string unit = lower(trim(get(o, "time_unit", "years")));
    if (unit == "years") c.time_divisor = 365.25;
    else if (unit == "days") c.time_divisor = 1;
    else throw UsageError(c.where + ": time_unit = '" + get(o, "time_unit") + "'; expected years or days");
    c.time_unit = unit;
    if (o.count("period")) {
        c.period_width = parse_number(c.where, "period", o.at("period"));
        if (c.period_width < 1 || c.period_width != std::floor(c.period_width))
            throw UsageError(c.where + ": period = " + o.at("period") + "; expected a whole number of years per calendar period");
    }
    if (o.count("covariates")) {
        c.covariates = split_list(o.at("covariates"));
    } else {
        // Default: age and sex at index and every variable that is not part of the design.
        c.covariates = {"age", "sex"};
        std::set<std::string> used(c.exclude.begin(), c.exclude.end());
        used.insert(c.require.begin(), c.require.end());
        used.insert(c.competing.begin(), c.competing.end());
        used.insert(c.outcome);
        used.insert(c.index_variable);
        for (const auto& [n, _] : s.variables)
            if (!used.count(n)) c.covariates.push_back(n);
    }
    c.save = save_flag(o);
    return s;
}

LexisDef parse_lexis(const JobFile& job, const std::string& name, const std::map<std::string, std::string>& o) {
    LexisDef l;
    l.name = name;
    l.where = job.path + " [lexis." + name + "]";
    l.cohort = trim(require(l.where, o, "cohort", "study (a [cohort.study] section)"));
    if (!find_section(job, "cohort." + l.cohort))
        throw UsageError(l.where + ": cohort names '" + l.cohort + "', but the job has no [cohort." + l.cohort + "] section");
    if (!o.count("age") && !o.count("period"))
        throw UsageError(l.where + ": nothing to split by; expected age = WIDTH (years) and/or period = WIDTH (years), or lists of breaks");
    if (o.count("age")) {
        const auto parts = split_list(o.at("age"));
        if (parts.size() == 1) {
            l.age_width = parse_number(l.where, "age", parts[0]);
            if (l.age_width <= 0) throw UsageError(l.where + ": age = " + o.at("age") + "; expected a band width above 0 years");
        } else {
            for (const auto& p : parts) l.age_breaks.push_back(parse_number(l.where, "age", p));
            if (!std::is_sorted(l.age_breaks.begin(), l.age_breaks.end()) ||
                std::adjacent_find(l.age_breaks.begin(), l.age_breaks.end()) != l.age_breaks.end())
                throw UsageError(l.where + ": age = " + o.at("age") + "; expected increasing breaks, for example 30, 50, 70, 90");
        }
    }
    if (o.count("period")) {
        const auto parts = split_list(o.at("period"));
        if (parts.size() == 1 && parts[0].size() <= 2) {
            l.period_width = parse_number(l.where, "period", parts[0]);
            if (l.period_width < 1 || l.period_width != std::floor(l.period_width))
                throw UsageError(l.where + ": period = " + o.at("period") + "; expected a whole number of years per period");
        } else {
            for (const auto& p : parts) {
                if (p.size() == 4 && std::all_of(p.begin(), p.end(), ::isdigit))
                    l.period_breaks.push_back(static_cast<std::int32_t>(io::days_from_civil(std::stoi(p), 1, 1)));
                else
                    l.period_breaks.push_back(parse_date_value(l.where, "period", p));
            }
            if (!std::is_sorted(l.period_breaks.begin(), l.period_breaks.end()) ||
                std::adjacent_find(l.period_breaks.begin(), l.period_breaks.end()) != l.period_breaks.end())
                throw UsageError(l.where + ": period = " + o.at("period") + "; expected increasing years or dates, for example 2010, 2015, 2020");
        }
    }
    l.save = save_flag(o);
    return l;
}

}  // namespace kohort::linkage
