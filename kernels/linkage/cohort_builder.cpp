#include "kernels/linkage/cohort_builder.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>

#include "core/error.hpp"
#include "jobs/site_config.hpp"
#include "kernels/linkage/code_match.hpp"
#include "kernels/linkage/pid_exchange.hpp"

namespace kohort::linkage {

int year_of(std::int64_t days) { return std::stoi(format_date(days).substr(0, 4)); }

namespace {

using Clock = std::chrono::steady_clock;
constexpr double kDaysPerYear = 365.25;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Accumulates one variable per person while its register is scanned.
struct VarAcc {
    const VariableDef* def = nullptr;
    std::vector<std::uint8_t> lookup;   // per dictionary code: matches the code list
    std::size_t matched_codes = 0;
    const std::int32_t* codes = nullptr;
    const std::int32_t* dates = nullptr;
    std::vector<double> sum_values;     // value = sum(COLUMN), as doubles
    bool window_relative = true;        // false for the index variable (no index yet)
    // Per person (only the ones its kind needs are sized).
    std::vector<std::int32_t> first, last;
    std::vector<std::int64_t> count;
    std::vector<double> sum;

    void size_for(std::size_t n) {
        first.assign(n, kMissingDate);  // also "any": first != missing
        if (def->value == ValueKind::last) last.assign(n, kMissingDate);
        if (def->value == ValueKind::count) count.assign(n, 0);
        if (def->value == ValueKind::sum) sum.assign(n, 0.0);
    }
    bool has(std::size_t p) const { return first[p] != kMissingDate; }
};

struct ScanStats {
    std::int64_t rows = 0, linked = 0;
    std::int32_t min_date = std::numeric_limits<std::int32_t>::max();
    std::int32_t max_date = std::numeric_limits<std::int32_t>::min();
};

// Merge join of a pid-sorted register with the pid-sorted persons, threads over pid-aligned row
// chunks so each person's accumulators are written by one thread only.
ScanStats scan(const Table& reg, const std::string& date_column, const std::vector<std::int64_t>& person_pid,
               const std::vector<std::uint8_t>& active, const std::vector<std::int32_t>& index,
               std::vector<VarAcc*>& vars) {
    const std::vector<std::int64_t>& pid = reg.column("pid").i64;
    const std::int32_t* all_dates = reg.column(date_column).i32.data();
    const std::size_t rows = pid.size(), n = person_pid.size();
    const int threads = std::max(1, std::min<int>(omp_get_max_threads(), static_cast<int>(rows / 65536) + 1));
    std::vector<std::size_t> cut(static_cast<std::size_t>(threads) + 1, rows);
    for (int t = 0; t < threads; ++t) {
        std::size_t c = rows * static_cast<std::size_t>(t) / static_cast<std::size_t>(threads);
        while (c > 0 && c < rows && pid[c] == pid[c - 1]) ++c;
        cut[static_cast<std::size_t>(t)] = c;
    }
    for (int t = 1; t <= threads; ++t) cut[t] = std::max(cut[t], cut[t - 1]);
    std::vector<ScanStats> stats(static_cast<std::size_t>(threads));

#pragma omp parallel for schedule(static, 1) num_threads(threads)
    for (int t = 0; t < threads; ++t) {
        ScanStats s;
        const std::size_t lo = cut[static_cast<std::size_t>(t)], hi = cut[static_cast<std::size_t>(t) + 1];
        if (lo < hi) {
            std::size_t p = static_cast<std::size_t>(std::lower_bound(person_pid.begin(), person_pid.end(), pid[lo]) -
                                                     person_pid.begin());
            for (std::size_t r = lo; r < hi; ++r) {
                const std::int32_t date = all_dates[r];
                if (date != kMissingDate) {
                    s.min_date = std::min(s.min_date, date);
                    s.max_date = std::max(s.max_date, date);
                }
                while (p < n && person_pid[p] < pid[r]) ++p;
                if (p == n) {
                    s.rows += static_cast<std::int64_t>(hi - r);
                    for (std::size_t q = r + 1; q < hi; ++q)
                        if (all_dates[q] != kMissingDate) {
                            s.min_date = std::min(s.min_date, all_dates[q]);
                            s.max_date = std::max(s.max_date, all_dates[q]);
                        }
                    break;
                }
                ++s.rows;
                if (person_pid[p] != pid[r]) continue;
                ++s.linked;
                if (!active[p]) continue;
                for (VarAcc* v : vars) {
                    const std::int32_t code = v->codes[r];
                    if (code < 0 || !v->lookup[static_cast<std::size_t>(code)]) continue;
                    const std::int32_t d = v->dates[r];
                    if (d == kMissingDate) continue;
                    const VariableDef& def = *v->def;
                    if (d < def.between_from || d > def.between_to) continue;
                    if (v->window_relative) {
                        const std::int64_t rel = static_cast<std::int64_t>(d) - index[p];
                        if (rel < def.from || rel > def.to) continue;
                    }
                    if (v->first[p] == kMissingDate || d < v->first[p]) v->first[p] = d;
                    switch (def.value) {
                        case ValueKind::last:
                            if (v->last[p] == kMissingDate || d > v->last[p]) v->last[p] = d;
                            break;
                        case ValueKind::count: ++v->count[p]; break;
                        case ValueKind::sum: {
                            const double x = v->sum_values[r];
                            if (!std::isnan(x)) v->sum[p] += x;
                            break;
                        }
                        default: break;
                    }
                }
            }
        }
        stats[static_cast<std::size_t>(t)] = s;
    }
    ScanStats total;
    for (const auto& s : stats) {
        total.rows += s.rows;
        total.linked += s.linked;
        total.min_date = std::min(total.min_date, s.min_date);
        total.max_date = std::max(total.max_date, s.max_date);
    }
    return total;
}

std::string list_names(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
}

// Checks a variable's register and columns against the store before anything is read.
void check_variable(const VariableDef& v, const Store& store) {
    if (!store.has_table(v.register_name))
        throw UsageError(v.where + ": register = '" + v.register_name + "' is not a table of the store " +
                         store.path() + "; it has: " + list_names(store.table_names()));
    const TableInfo info = store.info(v.register_name);
    auto find = [&](const std::string& col) -> const ColumnInfo* {
        for (const auto& c : info.columns)
            if (c.name == col) return &c;
        return nullptr;
    };
    std::vector<std::string> have;
    for (const auto& c : info.columns) have.push_back(c.name);
    auto need = [&](const std::string& key, const std::string& col, std::initializer_list<ColumnType> types,
                    const std::string& expected) {
        const ColumnInfo* c = find(col);
        if (!c)
            throw UsageError(v.where + ": " + key + " = '" + col + "' is not a column of '" + v.register_name +
                             "'; its columns are: " + list_names(have));
        if (std::find(types.begin(), types.end(), c->type) == types.end())
            throw UsageError(v.where + ": " + key + " = '" + col + "' is a " + std::string(to_string(c->type)) +
                             " column of '" + v.register_name + "'; expected " + expected);
    };
    need("column", "pid", {ColumnType::Int64}, "an int64 person key pid (the register must have a pid column)");
    need("column", v.code_column, {ColumnType::Categorical}, "a categorical column of codes");
    need("date", v.date_column, {ColumnType::Date}, "a date column");
    if (v.value == ValueKind::sum)
        need("value", v.sum_column, {ColumnType::Int64, ColumnType::Double, ColumnType::Bool}, "a numeric column to sum");
}

std::string period_label(int year, int width) {
    const int start = year - ((year % width) + width) % width;
    return width == 1 ? std::to_string(start) : std::to_string(start) + "-" + std::to_string(start + width - 1);
}

}  // namespace

Table build_cohort(const StudyDefinition& study, const CohortInputs& in, nlohmann::json& report) {
    const auto t_start = Clock::now();
    const CohortDef& def = study.cohort;
    const Comm& comm = in.comm;
    const Store& store = in.store;
    auto log = [&](const std::string& s) {
        if (in.log) in.log(s);
    };
    auto release = [&](std::int64_t count) -> nlohmann::json {
        auto r = in.policy.release(count);
        return r ? nlohmann::json(*r) : nlohmann::json(nullptr);
    };
    nlohmann::json warnings = nlohmann::json::array();
    auto warn = [&](const std::string& w) {
        warnings.push_back(w);
        log("warning: " + w);
    };

    // ---- Which variables the study uses, checked against the store before any read.
    std::vector<std::string> used;
    auto use = [&](const std::string& v) {
        if (!v.empty() && std::find(used.begin(), used.end(), v) == used.end()) used.push_back(v);
    };
    for (const auto& v : def.exclude) use(v);
    for (const auto& v : def.require) use(v);
    use(def.outcome);
    for (const auto& v : def.competing) use(v);
    std::vector<std::string> population_covariates;
    static const std::set<std::string> derived = {"age", "index_year", "period"};
    if (!store.has_table(def.population))
        throw UsageError(def.where + ": population = '" + def.population + "' is not a table of the store " +
                         store.path() + "; it has: " + list_names(store.table_names()));
    const TableInfo pop_info = store.info(def.population);
    auto pop_has = [&](const std::string& col) {
        for (const auto& c : pop_info.columns)
            if (c.name == col) return &c;
        return static_cast<const ColumnInfo*>(nullptr);
    };
    std::vector<std::string> pop_columns;
    for (const auto& c : pop_info.columns) pop_columns.push_back(c.name);
    for (const auto& c : def.covariates) {
        if (derived.count(c)) continue;
        if (study.variables.count(c)) {
            use(c);
            continue;
        }
        if (pop_has(c) && c != "pid") {
            population_covariates.push_back(c);
            continue;
        }
        std::string vars;
        for (const auto& [n, _] : study.variables) vars += ", " + n;
        throw UsageError(def.where + ": covariates names '" + c +
                         "'; expected age, index_year, period, a [variable.NAME] (" +
                         (vars.empty() ? std::string("none defined") : vars.substr(2)) + ") or a column of '" +
                         def.population + "' (" + list_names(pop_columns) + ")");
    }
    for (const char* col : {"pid", "birth_date"})
        if (!pop_has(col))
            throw UsageError(def.where + ": population = '" + def.population + "' has no column '" + col +
                             "'; its columns are: " + list_names(pop_columns));
    const bool have_death = pop_has("death_date") != nullptr, have_emigration = pop_has("emigration_date") != nullptr;
    if (def.death_competes && !have_death)
        throw UsageError(def.where + ": competing = death, but '" + def.population + "' has no death_date column");
    if (!def.index_variable.empty()) check_variable(study.variables.at(def.index_variable), store);
    for (const auto& v : used) check_variable(study.variables.at(v), store);

    // Governance: every column read must be approved for the job's project.
    const SiteConfig site = load_site_config();
    std::vector<std::string> pop_read = {"pid", "birth_date"};
    if (have_death) pop_read.push_back("death_date");
    if (have_emigration) pop_read.push_back("emigration_date");
    for (const auto& c : population_covariates)
        if (std::find(pop_read.begin(), pop_read.end(), c) == pop_read.end()) pop_read.push_back(c);
    for (const auto& c : pop_read) site.check_approved(in.job.project, def.population, c);

    // ---- Persons.
    LinkedRead pop_read_result = read_linked(store, def.population, pop_read, comm);
    Table& pop = pop_read_result.table;
    const std::vector<std::int64_t>& person_pid = pop.column("pid").i64;
    const std::size_t n = person_pid.size();
    const std::int64_t population_total = comm.allreduce(static_cast<std::int64_t>(n));
    log("cohort '" + def.name + "': " + std::to_string(population_total) + " persons in '" + def.population + "'");

    nlohmann::json registers = nlohmann::json::array();
    std::int64_t rows_scanned_local = 0;
    std::int32_t data_min = std::numeric_limits<std::int32_t>::max(), data_max = std::numeric_limits<std::int32_t>::min();

    // Reads a register once and scans it for `vars` (all defined on it).
    auto scan_register = [&](const std::string& reg_name, std::vector<VarAcc*> vars,
                             const std::vector<std::uint8_t>& active, const std::vector<std::int32_t>& index) {
        const auto ts = Clock::now();
        std::vector<std::string> cols = {"pid"};
        auto add = [&](const std::string& c) {
            if (std::find(cols.begin(), cols.end(), c) == cols.end()) cols.push_back(c);
        };
        for (VarAcc* v : vars) {
            add(v->def->date_column);
            add(v->def->code_column);
            if (v->def->value == ValueKind::sum) add(v->def->sum_column);
        }
        for (const auto& c : cols) site.check_approved(in.job.project, reg_name, c);
        LinkedRead lr = read_linked(store, reg_name, cols, comm);
        const Table& reg = lr.table;
        for (VarAcc* v : vars) {
            const Column& code = reg.column(v->def->code_column);
            v->lookup = match_dictionary(code.dictionary, v->def->codes);
            v->matched_codes = static_cast<std::size_t>(std::count(v->lookup.begin(), v->lookup.end(), 1));
            v->codes = code.i32.data();
            v->dates = reg.column(v->def->date_column).i32.data();
            if (v->def->value == ValueKind::sum) {
                const Column& sc = reg.column(v->def->sum_column);
                v->sum_values.resize(sc.size());
                for (std::size_t i = 0; i < sc.size(); ++i) v->sum_values[i] = sc.as_double(i);
            }
            v->size_for(n);
            if (v->matched_codes == 0)
                warn(v->def->where + ": codes = " + list_names(v->def->codes) + " match no code of " + reg_name + "." +
                     v->def->code_column + " (" + std::to_string(code.dictionary.size()) +
                     " codes in its dictionary); the variable is empty");
        }
        // The date column used for the data range is the first variable's (usually the only one).
        const ScanStats s = scan(reg, vars.front()->def->date_column, person_pid, active, index, vars);
        for (VarAcc* v : vars) std::vector<double>().swap(v->sum_values);
        rows_scanned_local += s.rows;
        data_min = std::min(data_min, s.min_date);
        data_max = std::max(data_max, s.max_date);
        const std::int64_t rows = comm.allreduce(s.rows), linked = comm.allreduce(s.linked);
        const double secs = comm.allreduce(seconds_since(ts), ReduceOp::max);
        std::string names;
        for (VarAcc* v : vars) names += (names.empty() ? "" : ", ") + v->def->name;
        registers.push_back({{"table", reg_name},
                             {"variables", names},
                             {"rows", rows},
                             {"rows_linked", linked},
                             {"rows_unlinked", rows - linked},
                             {"redistributed", lr.redistributed},
                             {"seconds", secs},
                             {"rows_per_second", secs > 0 ? rows / secs : 0.0}});
        log("scanned " + reg_name + " (" + std::to_string(rows) + " rows, " + std::to_string(linked) + " linked) for " +
            names + (lr.redistributed ? "; redistributed by pid with one all-to-all exchange" : "") + " in " +
            std::to_string(secs) + " s");
    };

    // ---- Index date per person.
    std::vector<std::int32_t> index(n, def.index_date ? *def.index_date : kMissingDate);
    std::map<std::string, VarAcc> acc;
    if (!def.index_variable.empty()) {
        VarAcc iv;
        iv.def = &study.variables.at(def.index_variable);
        iv.window_relative = false;
        std::vector<std::uint8_t> all(n, 1);
        std::vector<VarAcc*> vars = {&iv};
        scan_register(iv.def->register_name, vars, all, index);
        index = iv.first;
    }

    // ---- Eligibility at index: has an index date, born, alive and resident, in the age range.
    const std::vector<std::int32_t>& birth = pop.column("birth_date").i32;
    const std::int32_t* death = have_death ? pop.column("death_date").i32.data() : nullptr;
    const std::int32_t* emig = have_emigration ? pop.column("emigration_date").i32.data() : nullptr;
    std::vector<std::uint8_t> active(n, 0);
    std::vector<double> age(n, std::nan(""));
    std::int64_t with_index = 0, alive_resident = 0, in_age = 0;
    for (std::size_t p = 0; p < n; ++p) {
        const std::int32_t idx = index[p];
        if (idx == kMissingDate || idx >= def.end) continue;
        ++with_index;
        if (birth[p] == kMissingDate || birth[p] > idx) continue;
        if (death && death[p] != kMissingDate && death[p] <= idx) continue;
        if (emig && emig[p] != kMissingDate && emig[p] <= idx) continue;
        ++alive_resident;
        age[p] = (idx - birth[p]) / kDaysPerYear;
        if (def.age_min && age[p] < *def.age_min) continue;
        if (def.age_max && age[p] >= *def.age_max) continue;
        ++in_age;
        active[p] = 1;
    }

    // ---- One pass per register for every other variable.
    std::map<std::string, std::vector<std::string>> by_register;
    for (const auto& v : used) by_register[study.variables.at(v).register_name].push_back(v);
    for (const auto& [reg_name, names] : by_register) {
        std::vector<VarAcc*> vars;
        for (const auto& name : names) {
            VarAcc& a = acc[name];
            a.def = &study.variables.at(name);
            vars.push_back(&a);
        }
        scan_register(reg_name, vars, active, index);
    }

    // ---- The index date must lie within the data the registers cover.
    const std::int32_t gmin = comm.allreduce(data_min, ReduceOp::min), gmax = comm.allreduce(data_max, ReduceOp::max);
    if (def.index_date && gmin <= gmax && (*def.index_date < gmin || *def.index_date > gmax))
        throw UsageError(def.where + ": index = " + format_date(*def.index_date) +
                         " is outside the data: the registers read run from " + format_date(gmin) + " to " +
                         format_date(gmax) + "; expected an index date within that range");

    // ---- Exclusions and requirements.
    nlohmann::json flow = nlohmann::json::array();
    const std::int64_t g_with_index = comm.allreduce(with_index), g_alive = comm.allreduce(alive_resident),
                       g_age = comm.allreduce(in_age);
    flow.push_back({{"step", "persons in " + def.population}, {"persons", release(population_total)}});
    flow.push_back({{"step", def.index_date ? "index date " + format_date(*def.index_date) + " before end"
                                            : "with a first " + def.index_variable + " before end"},
                    {"persons", release(g_with_index)}});
    flow.push_back({{"step", "alive and resident at index"}, {"persons", release(g_alive)}});
    if (def.age_min || def.age_max) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "aged %g to under %g at index", def.age_min.value_or(0), def.age_max.value_or(INFINITY));
        flow.push_back({{"step", buf}, {"persons", release(g_age)}});
    }
    for (const auto& v : def.exclude) {
        const VarAcc& a = acc.at(v);
        for (std::size_t p = 0; p < n; ++p)
            if (active[p] && a.has(p)) active[p] = 0;
        std::int64_t left = 0;
        for (auto x : active) left += x;
        flow.push_back({{"step", "without " + v}, {"persons", release(comm.allreduce(left))}});
    }
    for (const auto& v : def.require) {
        const VarAcc& a = acc.at(v);
        for (std::size_t p = 0; p < n; ++p)
            if (active[p] && !a.has(p)) active[p] = 0;
        std::int64_t left = 0;
        for (auto x : active) left += x;
        flow.push_back({{"step", "with " + v}, {"persons", release(comm.allreduce(left))}});
    }
    std::int64_t cohort_local = 0;
    for (auto x : active) cohort_local += x;
    const std::int64_t cohort_total = comm.allreduce(cohort_local);
    if (cohort_total == 0) {
        std::string steps;
        for (const auto& f : flow) steps += "; " + f["step"].get<std::string>() + ": " + f["persons"].dump();
        throw UsageError(def.where + ": no person is left in the cohort (" + steps.substr(2) +
                         "); check index, age and exclude");
    }

    // ---- Follow-up: outcome, competing events, censoring at emigration, window end and end.
    const VarAcc& outcome = acc.at(def.outcome);
    std::vector<const VarAcc*> competing;
    for (const auto& v : def.competing) competing.push_back(&acc.at(v));
    Table out;
    out.name = def.name;
    out.partitioned_by_pid = true;
    Column c_pid("pid", ColumnType::Int64), c_index("index_date", ColumnType::Date), c_exit("exit_date", ColumnType::Date),
        c_time("time", ColumnType::Double), c_status("status", ColumnType::Int64), c_event("event", ColumnType::Int64),
        c_comp("competing", ColumnType::Int64);
    std::vector<std::uint8_t> keep(n, 0);
    std::int64_t events = 0, comp_events = 0, censored = 0;
    double days_total = 0;
    for (std::size_t p = 0; p < n; ++p) {
        if (!active[p]) continue;
        keep[p] = 1;
        const std::int64_t idx = index[p];
        std::int64_t censor = def.end;
        if (emig && emig[p] != kMissingDate) censor = std::min<std::int64_t>(censor, emig[p]);
        if (!def.death_competes && death && death[p] != kMissingDate) censor = std::min<std::int64_t>(censor, death[p]);
        censor = std::min(censor, idx + outcome.def->to);
        std::int64_t comp = kPlusInfinity;
        if (def.death_competes && death[p] != kMissingDate) comp = death[p];
        for (const VarAcc* c : competing)
            if (c->has(p)) comp = std::min<std::int64_t>(comp, c->first[p]);
        const std::int64_t ev = outcome.has(p) ? outcome.first[p] : kPlusInfinity;
        std::int64_t exit = censor;
        std::int64_t status = 0;
        // An outcome on the day of a competing event counts as the outcome (e.g. a fatal MI).
        if (ev <= censor && ev <= comp) {
            exit = ev;
            status = 1;
        } else if (comp <= censor) {
            exit = comp;
            status = 2;
        }
        events += status == 1;
        comp_events += status == 2;
        censored += status == 0;
        days_total += static_cast<double>(exit - idx);
        c_pid.i64.push_back(person_pid[p]);
        c_index.i32.push_back(static_cast<std::int32_t>(idx));
        c_exit.i32.push_back(static_cast<std::int32_t>(exit));
        c_time.f64.push_back(static_cast<double>(exit - idx) / def.time_divisor);
        c_status.i64.push_back(status);
        c_event.i64.push_back(status == 1);
        c_comp.i64.push_back(status == 2);
    }
    for (Column* c : {&c_pid, &c_index, &c_exit, &c_time, &c_status, &c_event, &c_comp}) out.add(std::move(*c));

    // ---- Covariates, in the order given.
    for (const auto& name : def.covariates) {
        if (name == "age") {
            Column c("age", ColumnType::Double);
            for (std::size_t p = 0; p < n; ++p)
                if (keep[p]) c.f64.push_back(age[p]);
            out.add(std::move(c));
        } else if (name == "index_year") {
            Column c("index_year", ColumnType::Int64);
            for (std::size_t p = 0; p < n; ++p)
                if (keep[p]) c.i64.push_back(year_of(index[p]));
            out.add(std::move(c));
        } else if (name == "period") {
            // Labels from the years all ranks see, so every rank has the same dictionary.
            const int width = static_cast<int>(def.period_width);
            int lo = std::numeric_limits<int>::max(), hi = std::numeric_limits<int>::min();
            for (std::size_t p = 0; p < n; ++p)
                if (keep[p]) lo = std::min(lo, year_of(index[p])), hi = std::max(hi, year_of(index[p]));
            lo = comm.allreduce(lo, ReduceOp::min);
            hi = comm.allreduce(hi, ReduceOp::max);
            Column c("period", ColumnType::Categorical);
            const int first = lo - ((lo % width) + width) % width;
            for (int y = first; y <= hi; y += width) c.dictionary.push_back(period_label(y, width));
            for (std::size_t p = 0; p < n; ++p)
                if (keep[p]) c.i32.push_back((year_of(index[p]) - first) / width);
            out.add(std::move(c));
        } else if (acc.count(name)) {
            const VarAcc& a = acc.at(name);
            Column c(name, ColumnType::Int64);
            switch (a.def->value) {
                case ValueKind::any:
                    for (std::size_t p = 0; p < n; ++p)
                        if (keep[p]) c.i64.push_back(a.has(p) ? 1 : 0);
                    break;
                case ValueKind::count:
                    for (std::size_t p = 0; p < n; ++p)
                        if (keep[p]) c.i64.push_back(a.count[p]);
                    break;
                case ValueKind::sum:
                    c.type = ColumnType::Double;
                    for (std::size_t p = 0; p < n; ++p)
                        if (keep[p]) c.f64.push_back(a.sum[p]);
                    break;
                case ValueKind::first:
                case ValueKind::last:
                    c.type = ColumnType::Date;
                    for (std::size_t p = 0; p < n; ++p)
                        if (keep[p]) c.i32.push_back(a.def->value == ValueKind::first ? a.first[p] : a.last[p]);
                    break;
            }
            out.add(std::move(c));
        } else {
            Column c = pop.column(name);
            c.filter(keep);
            out.add(std::move(c));
        }
    }

    // ---- Report (aggregates only, released under the job's disclosure policy).
    const std::int64_t g_events = comm.allreduce(events), g_comp = comm.allreduce(comp_events),
                       g_cens = comm.allreduce(censored);
    const double g_days = comm.allreduce(days_total);
    flow.push_back({{"step", "in the cohort"}, {"persons", release(cohort_total)}});
    if (g_events == 0)
        warn(def.where + ": no one in the cohort has the outcome '" + def.outcome +
             "' during follow-up; models of it cannot be fitted (check its codes and window)");
    const double secs = comm.allreduce(seconds_since(t_start), ReduceOp::max);
    const std::int64_t rows_total = comm.allreduce(rows_scanned_local);
    report["kind"] = "cohort";
    report["persons"] = release(cohort_total);
    report["flow"] = flow;
    report["outcome"] = def.outcome;
    report["events"] = release(g_events);
    report["competing_events"] = release(g_comp);
    report["censored"] = release(g_cens);
    report["person_time"] = std::round(g_days / def.time_divisor * 10) / 10;
    report["time_unit"] = def.time_unit;
    report["columns"] = [&] {
        std::vector<std::string> cols;
        for (const auto& c : out.columns) cols.push_back(c.name);
        return cols;
    }();
    report["registers"] = registers;
    report["register_rows_scanned"] = rows_total;
    report["seconds"] = secs;
    report["rows_per_second"] = secs > 0 ? rows_total / secs : 0.0;
    report["warnings"] = warnings;
    log("cohort '" + def.name + "': " + std::to_string(cohort_total) + " persons, " + std::to_string(g_events) +
        " outcomes, " + std::to_string(g_comp) + " competing events; " + std::to_string(rows_total) +
        " register rows in " + std::to_string(secs) + " s");
    return out;
}

}  // namespace kohort::linkage
