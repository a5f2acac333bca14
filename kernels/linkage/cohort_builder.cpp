#include "kernels/linkage/cohort_builder.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "core/error.hpp"
#include "io/date.hpp"
#include "jobs/site_config.hpp"
#include "kernels/linkage/code_match.hpp"
#include "kernels/linkage/pid_exchange.hpp"
#include "kernels/linkage/register_scan.hpp"
#include "store/prefault.hpp"
#include "store/table_stream.hpp"

namespace kohort::linkage {

int year_of(std::int64_t days) { return static_cast<int>(io::civil_from_days(days).year); }

namespace {

using Clock = std::chrono::steady_clock;
constexpr double kDaysPerYear = 365.25;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

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

// This rank's persons, sorted by pid. A pid-partitioned population is read with one independent
// transfer per column (the rank's share is one contiguous range, so collective two-phase I/O would
// only add copies); anything else goes through read_linked.
Table read_persons(const Store& store, const std::string& name, const std::vector<std::string>& columns,
                   const Comm& comm) {
    if (store.info(name).partitioned_by_pid) {
        TableStream stream = store.stream(name, comm, columns);
        Table t;
        stream.next(t, static_cast<std::size_t>(stream.rows()));
        t.name = name;
        const auto& pid = t.column("pid").i64;
        if (comm.allreduce(static_cast<std::int64_t>(!std::is_sorted(pid.begin(), pid.end()))) == 0) return t;
    }
    return read_linked(store, name, columns, comm).table;
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
    // Every count leaves through the job's release layer (rounded to the policy's base, so the
    // difference of two flow steps is never an exact small count).
    std::optional<ReleaseLayer> own;
    if (!in.release) own.emplace(in.policy);
    ReleaseLayer& rel = in.release ? *in.release : *own;
    rel.begin("cohort:" + def.name);
    auto release = [&](std::int64_t count, const std::string& field = "flow.persons") -> nlohmann::json {
        return rel.release_json(count, {field, ""});
    };
    auto released_text = [&](std::int64_t count, const std::string&) { return rel.log_count(count); };
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
    Table pop = read_persons(store, def.population, pop_read, comm);
    const std::vector<std::int64_t>& person_pid = pop.column("pid").i64;
    const std::size_t n = person_pid.size();
    const std::int64_t population_total = comm.allreduce(static_cast<std::int64_t>(n));
    log("cohort '" + def.name + "': " + released_text(population_total, "persons in population") + " persons in '" +
        def.population + "'");

    nlohmann::json registers = nlohmann::json::array();
    // What was read, for the job's audit record (tables and column names only, no values).
    nlohmann::json inputs = nlohmann::json::array();
    inputs.push_back({{"table", def.population}, {"columns", pop_read}, {"rows", population_total}});
    std::int64_t rows_scanned_local = 0;
    std::int32_t data_min = std::numeric_limits<std::int32_t>::max(), data_max = std::numeric_limits<std::int32_t>::min();

    // Streams a register once, block by block, and scans it for `vars` (all defined on it). A
    // register not stored partitioned by pid is first brought to its persons' ranks
    // (read_linked: one all-to-all exchange) and scanned in memory.
    auto scan_register = [&](const std::string& reg_name, std::vector<VariableValues*> vars,
                             const std::vector<std::uint8_t>& active, const std::vector<std::int32_t>& index) {
        const auto ts = Clock::now();
        // The date column used for the data range is the first variable's (usually the only one).
        RegisterScan scan(person_pid, active, index, vars, vars.front()->def->date_column);
        for (const auto& c : scan.columns()) site.check_approved(in.job.project, reg_name, c);
        bool redistributed = false;
        bool streamed = store.info(reg_name).partitioned_by_pid;
        if (streamed) {
            TableStream stream = store.stream(reg_name, comm, scan.columns());
            Table block;
            const std::size_t block_rows = std::max<std::size_t>(1, in.block_rows);
            do {
                stream.next(block, block_rows);
                scan.feed(block);
            } while (stream.rows_read() < stream.rows());
            // A pid-partitioned table kohort wrote is sorted by pid; one that is not (written by
            // another tool) is read whole and sorted instead, on every rank alike.
            streamed = comm.allreduce(static_cast<std::int64_t>(scan.stats().unsorted)) == 0;
        }
        if (!streamed) {
            scan.reset();
            LinkedRead lr = read_linked(store, reg_name, scan.columns(), comm);
            redistributed = lr.redistributed;
            scan.feed(lr.table);
        }
        const ScanStats& s = scan.stats();
        for (VariableValues* v : vars)
            if (v->matched_codes == 0)
                warn(v->def->where + ": codes = " + list_names(v->def->codes) + " match no code of " + reg_name + "." +
                     v->def->code_column + " (" + std::to_string(v->dictionary_size) +
                     " codes in its dictionary); the variable is empty");
        rows_scanned_local += s.rows;
        data_min = std::min(data_min, s.min_date);
        data_max = std::max(data_max, s.max_date);
        const std::int64_t rows = comm.allreduce(s.rows), linked = comm.allreduce(s.linked);
        const double secs = comm.allreduce(seconds_since(ts), ReduceOp::max);
        std::string names;
        for (VariableValues* v : vars) names += (names.empty() ? "" : ", ") + v->def->name;
        inputs.push_back({{"table", reg_name}, {"columns", scan.columns()}, {"rows", rows}});
        registers.push_back({{"table", reg_name},
                             {"variables", names},
                             {"rows", release(rows, "registers.rows")},
                             {"rows_linked", release(linked, "registers.rows_linked")},
                             {"rows_unlinked", release(rows - linked, "registers.rows_unlinked")},
                             {"redistributed", redistributed},
                             {"seconds", secs},
                             {"rows_per_second", secs > 0 ? rows / secs : 0.0}});
        log("scanned " + reg_name + " (" + released_text(rows, "registers.rows") + " rows, " +
            released_text(linked, "registers.rows_linked") + " linked) for " +
            names + (redistributed ? "; redistributed by pid with one all-to-all exchange" : "") + " in " +
            std::to_string(secs) + " s");
    };

    // ---- Index date per person.
    std::vector<std::int32_t> index;
    reserve_prefaulted(index, n);
    index.assign(n, def.index_date ? *def.index_date : kMissingDate);
    std::map<std::string, VariableValues> acc;
    if (!def.index_variable.empty()) {
        VariableValues iv;
        iv.def = &study.variables.at(def.index_variable);
        iv.window_relative = false;
        std::vector<std::uint8_t> all(n, 1);
        std::vector<VariableValues*> vars = {&iv};
        scan_register(iv.def->register_name, vars, all, index);
        index = std::move(iv.first);
    }

    // ---- Eligibility at index: has an index date, born, alive and resident, in the age range.
    const std::vector<std::int32_t>& birth = pop.column("birth_date").i32;
    const std::int32_t* death = have_death ? pop.column("death_date").i32.data() : nullptr;
    const std::int32_t* emig = have_emigration ? pop.column("emigration_date").i32.data() : nullptr;
    std::vector<std::uint8_t> active(n, 0);
    std::int64_t with_index = 0, alive_resident = 0, in_age = 0;
    for (std::size_t p = 0; p < n; ++p) {
        const std::int32_t idx = index[p];
        if (idx == kMissingDate || idx >= def.end) continue;
        ++with_index;
        if (birth[p] == kMissingDate || birth[p] > idx) continue;
        if (death && death[p] != kMissingDate && death[p] <= idx) continue;
        if (emig && emig[p] != kMissingDate && emig[p] <= idx) continue;
        ++alive_resident;
        const double age = (idx - birth[p]) / kDaysPerYear;
        if (def.age_min && age < *def.age_min) continue;
        if (def.age_max && age >= *def.age_max) continue;
        ++in_age;
        active[p] = 1;
    }

    // ---- One pass per register for every other variable.
    std::map<std::string, std::vector<std::string>> by_register;
    for (const auto& v : used) by_register[study.variables.at(v).register_name].push_back(v);
    for (const auto& [reg_name, names] : by_register) {
        std::vector<VariableValues*> vars;
        for (const auto& name : names) {
            VariableValues& a = acc[name];
            a.def = &study.variables.at(name);
            vars.push_back(&a);
        }
        scan_register(reg_name, vars, active, index);
    }

    // ---- The index date must lie within the data the registers cover.
    const std::int32_t gmin = comm.allreduce(data_min, ReduceOp::min), gmax = comm.allreduce(data_max, ReduceOp::max);
    if (def.index_date && gmin <= gmax && (*def.index_date < gmin || *def.index_date > gmax))
        // The registers' first and last dates are single persons' values: never printed.
        throw UsageError(def.where + ": index = " + format_date(*def.index_date) +
                         " is outside the dates the registers read hold; expected an index date within that range "
                         "(the earliest and latest dates are not shown: each is one person's value)");

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
        const VariableValues& a = acc.at(v);
        for (std::size_t p = 0; p < n; ++p)
            if (active[p] && a.has(p)) active[p] = 0;
        std::int64_t left = 0;
        for (auto x : active) left += x;
        flow.push_back({{"step", "without " + v}, {"persons", release(comm.allreduce(left))}});
    }
    for (const auto& v : def.require) {
        const VariableValues& a = acc.at(v);
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
    const VariableValues& outcome = acc.at(def.outcome);
    std::vector<const VariableValues*> competing;
    for (const auto& v : def.competing) competing.push_back(&acc.at(v));
    Table out;
    out.name = def.name;
    out.partitioned_by_pid = true;
    Column c_pid("pid", ColumnType::Int64), c_index("index_date", ColumnType::Date), c_exit("exit_date", ColumnType::Date),
        c_time("time", ColumnType::Double), c_status("status", ColumnType::Int64), c_event("event", ColumnType::Int64),
        c_comp("competing", ColumnType::Int64);
    for (Column* c : {&c_pid, &c_index, &c_exit, &c_time, &c_status, &c_event, &c_comp})
        reserve_prefaulted(*c, static_cast<std::size_t>(cohort_local));
    std::int64_t events = 0, comp_events = 0, censored = 0;
    double days_total = 0;
    for (std::size_t p = 0; p < n; ++p) {
        if (!active[p]) continue;
        const std::int64_t idx = index[p];
        std::int64_t censor = def.end;
        if (emig && emig[p] != kMissingDate) censor = std::min<std::int64_t>(censor, emig[p]);
        if (!def.death_competes && death && death[p] != kMissingDate) censor = std::min<std::int64_t>(censor, death[p]);
        censor = std::min(censor, idx + outcome.def->to);
        std::int64_t comp = kPlusInfinity;
        if (def.death_competes && death[p] != kMissingDate) comp = death[p];
        for (const VariableValues* c : competing)
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
        const auto kept = static_cast<std::size_t>(cohort_local);
        if (name == "age") {
            Column c("age", ColumnType::Double);
            reserve_prefaulted(c, kept);
            for (std::size_t p = 0; p < n; ++p)
                if (active[p]) c.f64.push_back((index[p] - birth[p]) / kDaysPerYear);
            out.add(std::move(c));
        } else if (name == "index_year") {
            Column c("index_year", ColumnType::Int64);
            reserve_prefaulted(c, kept);
            for (std::size_t p = 0; p < n; ++p)
                if (active[p]) c.i64.push_back(year_of(index[p]));
            out.add(std::move(c));
        } else if (name == "period") {
            // Labels from the years all ranks see, so every rank has the same dictionary.
            const int width = static_cast<int>(def.period_width);
            int lo = std::numeric_limits<int>::max(), hi = std::numeric_limits<int>::min();
            for (std::size_t p = 0; p < n; ++p)
                if (active[p]) lo = std::min(lo, year_of(index[p])), hi = std::max(hi, year_of(index[p]));
            lo = comm.allreduce(lo, ReduceOp::min);
            hi = comm.allreduce(hi, ReduceOp::max);
            Column c("period", ColumnType::Categorical);
            const int first = lo - ((lo % width) + width) % width;
            for (int y = first; y <= hi; y += width) c.dictionary.push_back(period_label(y, width));
            for (std::size_t p = 0; p < n; ++p)
                if (active[p]) c.i32.push_back((year_of(index[p]) - first) / width);
            out.add(std::move(c));
        } else if (acc.count(name)) {
            const VariableValues& a = acc.at(name);
            Column c(name, ColumnType::Int64);
            switch (a.def->value) {
                case ValueKind::any:
                    reserve_prefaulted(c, kept);
                    for (std::size_t p = 0; p < n; ++p)
                        if (active[p]) c.i64.push_back(a.has(p) ? 1 : 0);
                    break;
                case ValueKind::count:
                    reserve_prefaulted(c, kept);
                    for (std::size_t p = 0; p < n; ++p)
                        if (active[p]) c.i64.push_back(a.count[p]);
                    break;
                case ValueKind::sum:
                    c.type = ColumnType::Double;
                    reserve_prefaulted(c, kept);
                    for (std::size_t p = 0; p < n; ++p)
                        if (active[p]) c.f64.push_back(a.sum[p]);
                    break;
                case ValueKind::first:
                case ValueKind::last:
                    c.type = ColumnType::Date;
                    reserve_prefaulted(c, kept);
                    for (std::size_t p = 0; p < n; ++p)
                        if (active[p]) c.i32.push_back(a.def->value == ValueKind::first ? a.first[p] : a.last[p]);
                    break;
            }
            out.add(std::move(c));
        } else {
            // Moved out of pop unless a later step still reads it (birth for age, a repeated name).
            const bool still_read = name == "birth_date" ||
                                    std::count(def.covariates.begin(), def.covariates.end(), name) > 1;
            Column c = still_read ? pop.column(name) : std::move(pop.column(name));
            c.filter(active);
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
    report["persons"] = release(cohort_total, "persons");
    report["flow"] = flow;
    report["outcome"] = def.outcome;
    report["events"] = release(g_events, "events");
    report["competing_events"] = release(g_comp, "competing_events");
    report["censored"] = release(g_cens, "censored");
    report["person_time"] = std::round(g_days / def.time_divisor * 10) / 10;
    report["time_unit"] = def.time_unit;
    report["columns"] = [&] {
        std::vector<std::string> cols;
        for (const auto& c : out.columns) cols.push_back(c.name);
        return cols;
    }();
    report["registers"] = registers;
    report["inputs"] = inputs;
    report["register_rows_scanned"] = release(rows_total, "register_rows_scanned");
    report["seconds"] = secs;
    report["rows_per_second"] = secs > 0 ? rows_total / secs : 0.0;
    report["warnings"] = warnings;
    log("cohort '" + def.name + "': " + released_text(cohort_total, "persons") + " persons, " +
        released_text(g_events, "events") + " outcomes, " + released_text(g_comp, "competing_events") +
        " competing events; " + released_text(rows_total, "register_rows_scanned") + " register rows in " + std::to_string(secs) + " s");
    return out;
}

}  // namespace kohort::linkage
