#include "kernels/linkage/cohort_builder.hpp"

#include <omp.h>

#include <algorithm>
#include <optional>
#include <chrono>
#include <cmath>
#include <map>
#include <set>

#include "core/error.hpp"
#include "io/date.hpp"
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

// One cohort build: the state its phases share. build_cohort() below runs the phases in order;
// each is one step of docs/cohorts.md.
class CohortBuild {
public:
    CohortBuild(const StudyDefinition& study, const CohortInputs& in)
        : study_(study), def_(study.cohort), in_(in), comm_(in.comm), store_(in.store), t_start_(Clock::now()) {
        // Every count leaves through the job's release layer (rounded to the policy's base, so the
        // difference of two flow steps is never an exact small count). Tests may pass none.
        if (!in.release) own_release_.emplace(in.policy);
        rel_ = in.release ? in.release : &*own_release_;
        rel_->begin("cohort:" + def_.name);
    }

    void validate();            // which variables and columns the study uses, against the store
    void read_population();     // this rank's persons
    void index_dates();         // a fixed date, or each person's first event of a variable
    void select_eligible();     // born, alive, resident and in the age range at index
    void scan_variables();      // one pass per register for every other variable
    void apply_exclusions();    // exclude = and require =, with the attrition flow
    Table follow_up();          // exit date, time and status per person
    void derive_covariates(Table& out);
    Column period_covariate() const;
    Column variable_covariate(const std::string& name) const;
    void release_report(const Table& out, nlohmann::json& report);

private:
    void log(const std::string& s) const {
        if (in_.log) in_.log(s);
    }
    nlohmann::json release(std::int64_t count, const std::string& field = "flow.persons",
                           std::optional<cellkey::Key> key = std::nullopt) const {
        return rel_->release_json(count, {field, "", key});
    }
    // A count of register rows, not of persons: it has no cell key (withheld under perturbation).
    nlohmann::json release_rows(std::int64_t count, const std::string& field) const {
        return rel_->release_json_unkeyed(count, {field, ""});
    }
    // Cell key perturbation (issue 16): each person's record key (empty when the job does not
    // perturb), and a rank's partial cell key summed over all ranks (nullopt when not perturbing).
    std::vector<cellkey::Key> rk_;
    cellkey::Key rk(std::size_t p) const { return rk_.empty() ? 0 : rk_[p]; }
    std::optional<cellkey::Key> global_key(cellkey::Key local) const {
        if (!rel_->perturbs()) return std::nullopt;
        return cellkey::allreduce(comm_, local);
    }
    std::optional<cellkey::Key> active_key() const {
        cellkey::Key k = 0;
        for (std::size_t p = 0; p < rk_.size(); ++p)
            if (active_[p]) k += rk_[p];
        return global_key(k);
    }
    // A count as job.log shows it: through the policy, never a small exact count.
    std::string released_text(std::int64_t count) const { return rel_->log_count(count); }
    std::optional<ReleaseLayer> own_release_;
    ReleaseLayer* rel_ = nullptr;
    void warn(const std::string& w) {
        warnings_.push_back(w);
        log("warning: " + w);
    }
    void approve(const std::string& table, const std::string& column) const {
        if (in_.approve) in_.approve(table, column);
    }
    const std::int32_t* date_column(const char* name, bool present) const {
        return present ? pop_.column(name).i32.data() : nullptr;
    }
    std::int64_t count_active() const {
        std::int64_t left = 0;
        for (auto x : active_) left += x;
        return left;
    }
    void scan_register(const std::string& reg_name, std::vector<VariableValues*> vars,
                       const std::vector<std::uint8_t>& active, const std::vector<std::int32_t>& index);

    const StudyDefinition& study_;
    const CohortDef& def_;
    const CohortInputs& in_;
    const Comm& comm_;
    const Store& store_;
    const Clock::time_point t_start_;
    nlohmann::json warnings_ = nlohmann::json::array();
    nlohmann::json registers_ = nlohmann::json::array();
    // What was read, for the job's audit record (tables and column names only, no values).
    nlohmann::json inputs_ = nlohmann::json::array();
    nlohmann::json flow_ = nlohmann::json::array();
    std::vector<std::string> used_;                  // variables read from registers
    std::vector<std::string> population_covariates_;
    std::vector<std::string> pop_read_;              // population columns read
    bool have_death_ = false, have_emigration_ = false;
    Table pop_;
    std::size_t n_ = 0;
    std::int64_t population_total_ = 0;
    std::int64_t rows_scanned_local_ = 0;
    std::int32_t data_min_ = std::numeric_limits<std::int32_t>::max();
    std::int32_t data_max_ = std::numeric_limits<std::int32_t>::min();
    std::vector<std::int32_t> index_;
    std::map<std::string, VariableValues> acc_;
    std::vector<std::uint8_t> active_;
    std::int64_t with_index_ = 0, alive_resident_ = 0, in_age_ = 0;
    std::int64_t cohort_local_ = 0, cohort_total_ = 0;
    std::int64_t events_ = 0, comp_events_ = 0, censored_ = 0;
    // This rank's partial cell keys of the counts above (summed over ranks at release).
    cellkey::Key k_population_ = 0, k_with_index_ = 0, k_alive_ = 0, k_age_ = 0, k_events_ = 0, k_comp_ = 0, k_cens_ = 0;
    double days_total_ = 0;
};

void CohortBuild::validate() {
    const CohortDef& def = def_;
    const Store& store = store_;
    auto use = [&](const std::string& v) {
        if (!v.empty() && std::find(used_.begin(), used_.end(), v) == used_.end()) used_.push_back(v);
    };
    for (const auto& v : def.exclude) use(v);
    for (const auto& v : def.require) use(v);
    use(def.outcome);
    for (const auto& v : def.competing) use(v);
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
        if (study_.variables.count(c)) {
            use(c);
            continue;
        }
        if (pop_has(c) && c != "pid") {
            population_covariates_.push_back(c);
            continue;
        }
        std::string vars;
        for (const auto& [n, _] : study_.variables) vars += ", " + n;
        throw UsageError(def.where + ": covariates names '" + c +
                         "'; expected age, index_year, period, a [variable.NAME] (" +
                         (vars.empty() ? std::string("none defined") : vars.substr(2)) + ") or a column of '" +
                         def.population + "' (" + list_names(pop_columns) + ")");
    }
    for (const char* col : {"pid", "birth_date"})
        if (!pop_has(col))
            throw UsageError(def.where + ": population = '" + def.population + "' has no column '" + col +
                             "'; its columns are: " + list_names(pop_columns));
    have_death_ = pop_has("death_date") != nullptr;
    have_emigration_ = pop_has("emigration_date") != nullptr;
    if (def.death_competes && !have_death_)
        throw UsageError(def.where + ": competing = death, but '" + def.population + "' has no death_date column");
    if (!def.index_variable.empty()) check_variable(study_.variables.at(def.index_variable), store);
    for (const auto& v : used_) check_variable(study_.variables.at(v), store);

    // Governance: every column read must be approved for the job's project.
    pop_read_ = {"pid", "birth_date"};
    if (have_death_) pop_read_.push_back("death_date");
    if (have_emigration_) pop_read_.push_back("emigration_date");
    for (const auto& c : population_covariates_)
        if (std::find(pop_read_.begin(), pop_read_.end(), c) == pop_read_.end()) pop_read_.push_back(c);
    for (const auto& c : pop_read_) approve(def.population, c);
}

void CohortBuild::read_population() {
    pop_ = read_persons(store_, def_.population, pop_read_, comm_);
    n_ = pop_.column("pid").i64.size();
    population_total_ = comm_.allreduce(static_cast<std::int64_t>(n_));
    rk_ = rel_->record_keys(pop_.column("pid").i64);
    k_population_ = cellkey::sum(rk_);
    log("cohort '" + def_.name + "': " + released_text(population_total_) + " persons in '" + def_.population + "'");
    inputs_.push_back({{"table", def_.population}, {"columns", pop_read_}, {"rows", population_total_}});
}

// Streams a register once, block by block, and scans it for `vars` (all defined on it). A
// register not stored partitioned by pid is first brought to its persons' ranks
// (read_linked: one all-to-all exchange) and scanned in memory.
void CohortBuild::scan_register(const std::string& reg_name, std::vector<VariableValues*> vars,
                            const std::vector<std::uint8_t>& active, const std::vector<std::int32_t>& index) {
    const Comm& comm = comm_;
    const Store& store = store_;
    const std::vector<std::int64_t>& person_pid = pop_.column("pid").i64;
    const auto ts = Clock::now();
    // The date column used for the data range is the first variable's (usually the only one).
    RegisterScan scan(person_pid, active, index, vars, vars.front()->def->date_column);
    for (const auto& c : scan.columns()) approve(reg_name, c);
    bool redistributed = false;
    bool streamed = store.info(reg_name).partitioned_by_pid;
    if (streamed) {
        TableStream stream = store.stream(reg_name, comm, scan.columns());
        Table block;
        const std::size_t block_rows = std::max<std::size_t>(1, in_.block_rows);
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
    rows_scanned_local_ += s.rows;
    data_min_ = std::min(data_min_, s.min_date);
    data_max_ = std::max(data_max_, s.max_date);
    const std::int64_t rows = comm.allreduce(s.rows), linked = comm.allreduce(s.linked);
    const double secs = comm.allreduce(seconds_since(ts), ReduceOp::max);
    std::string names;
    for (VariableValues* v : vars) names += (names.empty() ? "" : ", ") + v->def->name;
    inputs_.push_back({{"table", reg_name}, {"columns", scan.columns()}, {"rows", rows}});
    registers_.push_back({{"table", reg_name},
                         {"variables", names},
                         {"rows", release_rows(rows, "registers.rows")},
                         {"rows_linked", release_rows(linked, "registers.rows_linked")},
                         {"rows_unlinked", release_rows(rows - linked, "registers.rows_unlinked")},
                         {"redistributed", redistributed},
                         {"seconds", secs},
                         {"rows_per_second", secs > 0 ? rows / secs : 0.0}});
    log("scanned " + reg_name + " (" + released_text(rows) + " rows, " + released_text(linked) + " linked) for " +
        names + (redistributed ? "; redistributed by pid with one all-to-all exchange" : "") + " in " +
        std::to_string(secs) + " s");
}

void CohortBuild::index_dates() {
    index_.clear();
    reserve_prefaulted(index_, n_);
    index_.assign(n_, def_.index_date ? *def_.index_date : kMissingDate);
    if (def_.index_variable.empty()) return;
    VariableValues iv;
    iv.def = &study_.variables.at(def_.index_variable);
    iv.window_relative = false;
    std::vector<std::uint8_t> all(n_, 1);
    std::vector<VariableValues*> vars = {&iv};
    scan_register(iv.def->register_name, vars, all, index_);
    index_ = std::move(iv.first);
}

void CohortBuild::select_eligible() {
    const CohortDef& def = def_;
    const std::vector<std::int32_t>& index = index_;
    const std::vector<std::int32_t>& birth = pop_.column("birth_date").i32;
    const std::int32_t* death = date_column("death_date", have_death_);
    const std::int32_t* emig = date_column("emigration_date", have_emigration_);
    active_.assign(n_, 0);
    for (std::size_t p = 0; p < n_; ++p) {
        const std::int32_t idx = index[p];
        if (idx == kMissingDate || idx >= def.end) continue;
        ++with_index_;
        k_with_index_ += rk(p);
        if (birth[p] == kMissingDate || birth[p] > idx) continue;
        if (death && death[p] != kMissingDate && death[p] <= idx) continue;
        if (emig && emig[p] != kMissingDate && emig[p] <= idx) continue;
        ++alive_resident_;
        k_alive_ += rk(p);
        const double age = (idx - birth[p]) / kDaysPerYear;
        if (def.age_min && age < *def.age_min) continue;
        if (def.age_max && age >= *def.age_max) continue;
        ++in_age_;
        k_age_ += rk(p);
        active_[p] = 1;
    }
}

void CohortBuild::scan_variables() {
    const CohortDef& def = def_;
    const Comm& comm = comm_;
    std::map<std::string, std::vector<std::string>> by_register;
    for (const auto& v : used_) by_register[study_.variables.at(v).register_name].push_back(v);
    for (const auto& [reg_name, names] : by_register) {
        std::vector<VariableValues*> vars;
        for (const auto& name : names) {
            VariableValues& a = acc_[name];
            a.def = &study_.variables.at(name);
            vars.push_back(&a);
        }
        scan_register(reg_name, vars, active_, index_);
    }

    // The index date must lie within the data the registers cover.
    const std::int32_t gmin = comm.allreduce(data_min_, ReduceOp::min), gmax = comm.allreduce(data_max_, ReduceOp::max);
    if (def.index_date && gmin <= gmax && (*def.index_date < gmin || *def.index_date > gmax))
        throw UsageError(def.where + ": index = " + format_date(*def.index_date) +
                         " is outside the dates the registers read hold; expected an index date within that range "
                         "(the earliest and latest dates are not shown: each is one person's value)");
}

void CohortBuild::apply_exclusions() {
    const CohortDef& def = def_;
    const Comm& comm = comm_;
    nlohmann::json& flow = flow_;
    auto release = [this](std::int64_t c, std::optional<cellkey::Key> key) { return this->release(c, "flow.persons", key); };
    const std::int64_t g_with_index = comm.allreduce(with_index_), g_alive = comm.allreduce(alive_resident_),
                       g_age = comm.allreduce(in_age_);
    const auto key_population = global_key(k_population_), key_with_index = global_key(k_with_index_),
               key_alive = global_key(k_alive_), key_age = global_key(k_age_);
    flow.push_back({{"step", "persons in " + def.population}, {"persons", release(population_total_, key_population)}});
    flow.push_back({{"step", def.index_date ? "index date " + format_date(*def.index_date) + " before end"
                                            : "with a first " + def.index_variable + " before end"},
                    {"persons", release(g_with_index, key_with_index)}});
    flow.push_back({{"step", "alive and resident at index"}, {"persons", release(g_alive, key_alive)}});
    if (def.age_min || def.age_max) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "aged %g to under %g at index", def.age_min.value_or(0), def.age_max.value_or(INFINITY));
        flow.push_back({{"step", buf}, {"persons", release(g_age, key_age)}});
    }
    for (const auto& v : def.exclude) {
        const VariableValues& a = acc_.at(v);
        for (std::size_t p = 0; p < n_; ++p)
            if (active_[p] && a.has(p)) active_[p] = 0;
        flow.push_back({{"step", "without " + v}, {"persons", release(comm.allreduce(count_active()), active_key())}});
    }
    for (const auto& v : def.require) {
        const VariableValues& a = acc_.at(v);
        for (std::size_t p = 0; p < n_; ++p)
            if (active_[p] && !a.has(p)) active_[p] = 0;
        flow.push_back({{"step", "with " + v}, {"persons", release(comm.allreduce(count_active()), active_key())}});
    }
    cohort_local_ = count_active();
    cohort_total_ = comm.allreduce(cohort_local_);
    if (cohort_total_ == 0) {
        std::string steps;
        for (const auto& f : flow) steps += "; " + f["step"].get<std::string>() + ": " + f["persons"].dump();
        throw UsageError(def.where + ": no person is left in the cohort (" + steps.substr(2) +
                         "); check index, age and exclude");
    }
}

Table CohortBuild::follow_up() {
    const CohortDef& def = def_;
    const std::vector<std::int32_t>& index = index_;
    const std::vector<std::uint8_t>& active = active_;
    const std::vector<std::int64_t>& person_pid = pop_.column("pid").i64;
    const std::int32_t* death = date_column("death_date", have_death_);
    const std::int32_t* emig = date_column("emigration_date", have_emigration_);
    const VariableValues& outcome = acc_.at(def.outcome);
    std::vector<const VariableValues*> competing;
    for (const auto& v : def.competing) competing.push_back(&acc_.at(v));
    Table out;
    out.name = def.name;
    out.partitioned_by_pid = true;
    Column c_pid("pid", ColumnType::Int64), c_index("index_date", ColumnType::Date), c_exit("exit_date", ColumnType::Date),
        c_time("time", ColumnType::Double), c_status("status", ColumnType::Int64), c_event("event", ColumnType::Int64),
        c_comp("competing", ColumnType::Int64);
    for (Column* c : {&c_pid, &c_index, &c_exit, &c_time, &c_status, &c_event, &c_comp})
        reserve_prefaulted(*c, static_cast<std::size_t>(cohort_local_));
    for (std::size_t p = 0; p < n_; ++p) {
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
        events_ += status == 1;
        comp_events_ += status == 2;
        censored_ += status == 0;
        (status == 1 ? k_events_ : status == 2 ? k_comp_ : k_cens_) += rk(p);
        days_total_ += static_cast<double>(exit - idx);
        c_pid.i64.push_back(person_pid[p]);
        c_index.i32.push_back(static_cast<std::int32_t>(idx));
        c_exit.i32.push_back(static_cast<std::int32_t>(exit));
        c_time.f64.push_back(static_cast<double>(exit - idx) / def.time_divisor);
        c_status.i64.push_back(status);
        c_event.i64.push_back(status == 1);
        c_comp.i64.push_back(status == 2);
    }
    for (Column* c : {&c_pid, &c_index, &c_exit, &c_time, &c_status, &c_event, &c_comp}) out.add(std::move(*c));
    return out;
}

// The calendar period of each person's index date, as a categorical column.
Column CohortBuild::period_covariate() const {
    const CohortDef& def = def_;
    const Comm& comm = comm_;
    const std::vector<std::int32_t>& index = index_;
    const std::vector<std::uint8_t>& active = active_;
    const std::size_t n = n_;
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
    return c;
}

// A [variable.NAME] covariate: its value (any, count, sum, first or last) per person in the cohort.
Column CohortBuild::variable_covariate(const std::string& name) const {
    const std::vector<std::uint8_t>& active = active_;
    const std::size_t n = n_;
    const auto kept = static_cast<std::size_t>(cohort_local_);
    const VariableValues& a = acc_.at(name);
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
    return c;
}

void CohortBuild::derive_covariates(Table& out) {
    const CohortDef& def = def_;
    const std::vector<std::int32_t>& index = index_;
    const std::vector<std::uint8_t>& active = active_;
    const std::vector<std::int32_t>& birth = pop_.column("birth_date").i32;
    const std::size_t n = n_;
    Table& pop = pop_;
    for (const auto& name : def.covariates) {
        const auto kept = static_cast<std::size_t>(cohort_local_);
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
            out.add(period_covariate());
        } else if (acc_.count(name)) {
            out.add(variable_covariate(name));
        } else {
            // Moved out of pop unless a later step still reads it (birth for age, a repeated name).
            const bool still_read = name == "birth_date" ||
                                    std::count(def.covariates.begin(), def.covariates.end(), name) > 1;
            Column c = still_read ? pop.column(name) : std::move(pop.column(name));
            c.filter(active);
            out.add(std::move(c));
        }
    }
}

void CohortBuild::release_report(const Table& out, nlohmann::json& report) {
    const CohortDef& def = def_;
    const Comm& comm = comm_;
    const std::int64_t g_events = comm.allreduce(events_), g_comp = comm.allreduce(comp_events_),
                       g_cens = comm.allreduce(censored_);
    const auto key_cohort = active_key(), key_events = global_key(k_events_), key_comp = global_key(k_comp_),
               key_cens = global_key(k_cens_);
    const double g_days = comm.allreduce(days_total_);
    flow_.push_back({{"step", "in the cohort"}, {"persons", release(cohort_total_, "flow.persons", key_cohort)}});
    if (g_events == 0)
        warn(def.where + ": no one in the cohort has the outcome '" + def.outcome +
             "' during follow-up; models of it cannot be fitted (check its codes and window)");
    const double secs = comm.allreduce(seconds_since(t_start_), ReduceOp::max);
    const std::int64_t rows_total = comm.allreduce(rows_scanned_local_);
    report["kind"] = "cohort";
    report["persons"] = release(cohort_total_, "persons", key_cohort);
    report["flow"] = flow_;
    report["outcome"] = def.outcome;
    report["events"] = release(g_events, "events", key_events);
    report["competing_events"] = release(g_comp, "competing_events", key_comp);
    report["censored"] = release(g_cens, "censored", key_cens);
    report["person_time"] = std::round(g_days / def.time_divisor * 10) / 10;
    report["time_unit"] = def.time_unit;
    report["columns"] = [&] {
        std::vector<std::string> cols;
        for (const auto& c : out.columns) cols.push_back(c.name);
        return cols;
    }();
    report["registers"] = registers_;
    report["inputs"] = inputs_;
    report["register_rows_scanned"] = release_rows(rows_total, "register_rows_scanned");
    report["seconds"] = secs;
    report["rows_per_second"] = secs > 0 ? rows_total / secs : 0.0;
    report["warnings"] = warnings_;
    log("cohort '" + def.name + "': " + released_text(cohort_total_) + " persons, " + released_text(g_events) +
        " outcomes, " + released_text(g_comp) + " competing events; " + released_text(rows_total) +
        " register rows in " + std::to_string(secs) + " s");
}

}  // namespace

Table build_cohort(const StudyDefinition& study, const CohortInputs& in, nlohmann::json& report) {
    CohortBuild b(study, in);
    b.validate();
    b.read_population();
    b.index_dates();
    b.select_eligible();
    b.scan_variables();
    b.apply_exclusions();
    Table out = b.follow_up();
    b.derive_covariates(out);
    b.release_report(out, report);
    return out;
}

}  // namespace kohort::linkage
