#include "kernels/linkage/study_definition.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <set>

#include "core/error.hpp"
#include "io/date.hpp"
#include "kernels/linkage/code_match.hpp"

namespace kohort::linkage {

namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

void check_keys(const std::string& where, const std::map<std::string, std::string>& options,
                const std::set<std::string>& known) {
    for (const auto& [k, v] : options) {
        if (known.count(k)) continue;
        std::string list;
        for (const auto& n : known) list += (list.empty() ? "" : ", ") + n;
        throw UsageError(where + ": unknown key '" + k + "'; known keys are " + list);
    }
}

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

// A window bound in days: an integer, or -inf / inf.
std::int64_t parse_bound(const std::string& where, const std::string& key, const std::string& text) {
    const std::string t = lower(trim(text));
    if (t == "inf" || t == "+inf") return kPlusInfinity;
    if (t == "-inf") return kMinusInfinity;
    try {
        std::size_t used = 0;
        const long long v = std::stoll(t, &used);
        if (used == t.size() && std::llabs(v) < kPlusInfinity) return v;
    } catch (...) {
    }
    throw UsageError(where + ": " + key + " has '" + text +
                     "'; expected a whole number of days relative to the index date, -inf or inf");
}

double parse_number(const std::string& where, const std::string& key, const std::string& text) {
    try {
        std::size_t used = 0;
        const double v = std::stod(trim(text), &used);
        if (used == trim(text).size() && std::isfinite(v)) return v;
    } catch (...) {
    }
    throw UsageError(where + ": " + key + " has '" + text + "'; expected a number");
}

bool parse_bool(const std::string& where, const std::string& key, const std::string& text) {
    const std::string t = lower(trim(text));
    if (t == "true" || t == "yes" || t == "1" || t == "on") return true;
    if (t == "false" || t == "no" || t == "0" || t == "off" || t.empty()) return false;
    throw UsageError(where + ": " + key + " has '" + text + "'; expected true or false");
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
    std::int32_t days = 0;
    if (io::parse_iso_date(trim(text), days) != io::DateParse::ok)
        throw UsageError(where + ": " + key + " has '" + text + "'; expected a date YYYY-MM-DD");
    return days;
}

std::string format_date(std::int64_t days) {
    const io::CivilDate c = io::civil_from_days(days);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(c.year), c.month, c.day);
    return buf;
}

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
    check_keys(v.where, o, {"register", "column", "codes", "date", "window", "between", "value"});
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
    if (o.count("window")) {
        const auto [a, b] = two(v.where, "window", o.at("window"), "-365, -1");
        v.from = parse_bound(v.where, "window", a);
        v.to = parse_bound(v.where, "window", b);
        if (v.to < v.from)
            throw UsageError(v.where + ": window = " + o.at("window") +
                             " ends before it starts; expected FROM, TO with FROM <= TO (days relative to the index date)");
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
    check_keys(c.where, o,
               {"population", "index", "age", "exclude", "require", "end", "outcome", "competing", "time_unit",
                "covariates", "period", "save"});
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
    c.save = parse_bool(c.where, "save", get(o, "save"));
    return s;
}

LexisDef parse_lexis(const JobFile& job, const std::string& name, const std::map<std::string, std::string>& o) {
    LexisDef l;
    l.name = name;
    l.where = job.path + " [lexis." + name + "]";
    check_keys(l.where, o, {"cohort", "age", "period", "save"});
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
    l.save = parse_bool(l.where, "save", get(o, "save"));
    return l;
}

}  // namespace kohort::linkage
