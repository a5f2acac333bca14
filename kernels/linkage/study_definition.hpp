// Study definitions read from a job file (docs/cohorts.md):
//   [variable.NAME]  a code list in a register, a window relative to the index date and a value
//   [cohort.NAME]    the population, the index date, eligibility, the outcome, competing events,
//                    censoring and the covariates of the derived analysis table
//   [lexis.NAME]     Lexis splitting of a cohort's follow-up by age bands and calendar periods
// Parsing validates every key and names the job file, section and key in its messages, so a bad
// definition fails before any register is read.
#pragma once
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/option_values.hpp"
#include "jobs/job_file.hpp"

namespace kohort::linkage {

using kohort::kMinusInfinity;  // window bounds -inf / inf (engine/option_values.hpp)
using kohort::kPlusInfinity;

enum class ValueKind { any, first, last, count, sum };

struct VariableDef {
    std::string name;                 // NAME of [variable.NAME]
    std::string where;                // "job.ini [variable.NAME]" for messages
    std::string register_name;        // register = diagnoses
    std::string code_column;          // column = icd10 (categorical)
    std::string date_column = "date"; // date = date
    std::vector<std::string> codes;   // codes = I21*, E1[0-4]*
    std::int64_t from = kMinusInfinity, to = kPlusInfinity;  // window = FROM, TO (days from index, inclusive)
    std::int64_t between_from = kMinusInfinity, between_to = kPlusInfinity;  // between = DATE, DATE (calendar)
    ValueKind value = ValueKind::any; // value = any | first | last | count | sum(COLUMN)
    std::string sum_column;           // for value = sum(COLUMN)
};

struct CohortDef {
    std::string name;
    std::string where;                   // "job.ini [cohort.NAME]"
    std::string population = "population";
    std::optional<std::int32_t> index_date;  // index = YYYY-MM-DD
    std::string index_variable;          // index = first(VARIABLE)
    std::optional<double> age_min, age_max;  // age = MIN, MAX (years at index, MIN <= age < MAX)
    std::vector<std::string> exclude;    // exclude = VAR, ...  (anyone with the variable is left out)
    std::vector<std::string> require;    // require = VAR, ...  (only people with the variable)
    std::int32_t end = 0;                // end = YYYY-MM-DD (last day of follow-up)
    std::string outcome;                 // outcome = VARIABLE
    bool death_competes = false;         // competing = death
    std::vector<std::string> competing;  // competing = VARIABLE, ... (besides death)
    double time_divisor = 365.25;        // time_unit = years (365.25) | days (1)
    std::string time_unit = "years";
    std::vector<std::string> covariates; // covariates = age, sex, statin, ...
    double period_width = 5;             // period = 5 (years per calendar period of the index date)
    bool save = false;                   // save = true: write the table to the store
};

struct LexisDef {
    std::string name;
    std::string where;
    std::string cohort;                  // cohort = NAME of a [cohort.NAME] section
    std::vector<double> age_breaks;      // age = 5 (width) or age = 30, 40, 50, ... (breaks, years)
    std::vector<std::int32_t> period_breaks;  // period = 5 (width, years from the first index) or dates/years
    double age_width = 0;                // when given as a width
    double period_width = 0;
    bool save = false;
};

struct StudyDefinition {
    CohortDef cohort;
    std::map<std::string, VariableDef> variables;  // every [variable.*] of the job
};

// Parses one [variable.NAME] section.
VariableDef parse_variable(const std::string& job_path, const std::string& name,
                           const std::map<std::string, std::string>& options);
// All [variable.*] sections of a job.
std::map<std::string, VariableDef> parse_variables(const JobFile& job);
// Parses [cohort.NAME] and checks that every variable it names exists.
StudyDefinition parse_study(const JobFile& job, const std::string& name,
                            const std::map<std::string, std::string>& options);
LexisDef parse_lexis(const JobFile& job, const std::string& name, const std::map<std::string, std::string>& options);

// The options of [cohort.NAME] in a job, or nullptr.
const std::map<std::string, std::string>* find_section(const JobFile& job, const std::string& section);

// "2010-01-01" -> days since 1970-01-01; throws UsageError naming `where` and `key` otherwise.
std::int32_t parse_date_value(const std::string& where, const std::string& key, const std::string& text);
std::string format_date(std::int64_t days);

}  // namespace kohort::linkage
