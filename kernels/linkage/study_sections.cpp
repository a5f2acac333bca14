// The job-file sections of study definitions (docs/cohorts.md), plugged into the runner's
// derived-table hook (src/jobs/derived_tables.hpp):
//   [variable.NAME]  a definition only: validated here, used by the cohorts that name it. The runner
//                    calls a builder for every registered prefix, so it returns an empty table that
//                    no model can use (a model naming it gets the runner's "no column" error).
//   [cohort.NAME]    the analysis table NAME (cohort_builder.hpp)
//   [lexis.NAME]     the cohort split by age band and calendar period (lexis.hpp)
#include <map>
#include <mutex>
#include <optional>

#include "core/error.hpp"
#include "jobs/derived_tables.hpp"
#include "kernels/linkage/cohort_builder.hpp"
#include "kernels/linkage/cohort_labels.hpp"
#include "kernels/linkage/lexis.hpp"
#include "kernels/linkage/study_definition.hpp"

namespace kohort::linkage {

namespace {

// Cohorts built in this process, so a [lexis.*] section reuses its cohort instead of scanning the
// registers again. Keyed by everything that defines the table: the store, and every section.
std::map<std::string, Table>& cohort_cache() {
    static std::map<std::string, Table> cache;
    return cache;
}

std::string cache_key(const JobFile& job, const std::string& cohort) {
    std::string key = job.store + "\n" + cohort + "\n";
    for (const auto& [s, o] : job.sections) {
        key += "[" + s + "]";
        for (const auto& [k, v] : o) key += k + "=" + v + ";";
    }
    return key;
}

Table build_named_cohort(const DerivedTableContext& ctx, const std::string& name,
                         const std::map<std::string, std::string>& options, nlohmann::json& report) {
    const StudyDefinition study = parse_study(ctx.job, name, options);
    CohortInputs in{ctx.comm, ctx.store, ctx.job, ctx.policy, ctx.log, kScanBlockRows, ctx.approve};
    in.release = ctx.release;
    Table t = build_cohort(study, in, report);
    t.name = name;
    // Status 1 is the outcome, 2 a competing event (death or any of the competing variables).
    std::string competing;
    if (study.cohort.death_competes) competing = "death";
    for (const auto& v : study.cohort.competing) competing += (competing.empty() ? "" : " or ") + v;
    CohortLabels labels{study.cohort.time_unit, {study.cohort.outcome}};
    if (!competing.empty()) labels.cause_names.push_back(competing);
    set_cohort_labels(name, std::move(labels));
    return t;
}

// save = true: the derived table joins the store under its name. The store is open read-only for
// the job, so it is written through a second, writable handle opened collectively; the job's
// project approvals then govern it like any other table (docs/cohorts.md).
void save_table(const DerivedTableContext& ctx, const Table& t, nlohmann::json& report) {
    if (ctx.store.has_table(t.name) && !ctx.store.string_attribute("/tables/" + t.name, "derived_by_job"))
        throw UsageError(ctx.job.path + " [" + ctx.section + "]: save = true, but the store already has a table '" +
                         t.name + "' that no study job derived; rename the section to keep the original");
    Store out = Store::open(ctx.store.path(), &ctx.comm, /*writable=*/true);
    out.write(t, ctx.comm);
    out.set_string_attribute("/tables/" + t.name, "derived_by_job", ctx.job.name);
    out.set_string_attribute("/tables/" + t.name, "derived_by_job_sha256", ctx.job.sha256);
    out.set_string_attribute("/tables/" + t.name, "derived_from_section", ctx.section);
    out.close();
    report["saved_to_store"] = ctx.store.path();
    ctx.log("saved table '" + t.name + "' to " + ctx.store.path());
}

Table variable_section(const DerivedTableContext& ctx) {
    parse_variable(ctx.job.path, ctx.name, ctx.options);
    ctx.report["kind"] = "variable";
    ctx.report["note"] = "a definition used by cohort sections; not a table";
    return Table{};
}

Table cohort_section(const DerivedTableContext& ctx) {
    Table t = build_named_cohort(ctx, ctx.name, ctx.options, ctx.report);
    if (parse_study(ctx.job, ctx.name, ctx.options).cohort.save) save_table(ctx, t, ctx.report);
    // Kept (a copy: fresh pages for every column) only when a [lexis.*] section will split it.
    bool split_later = false;
    for (const auto& [section, options] : ctx.job.sections)
        if (section.rfind("lexis.", 0) == 0 && options.count("cohort")) {
            const std::string& c = options.at("cohort");
            const auto b = c.find_first_not_of(" \t"), e = c.find_last_not_of(" \t");
            split_later = split_later || (b != std::string::npos && c.substr(b, e - b + 1) == ctx.name);
        }
    if (split_later) cohort_cache()[cache_key(ctx.job, ctx.name)] = t;
    return t;
}

Table lexis_section(const DerivedTableContext& ctx) {
    const LexisDef def = parse_lexis(ctx.job, ctx.name, ctx.options);
    const std::string key = cache_key(ctx.job, def.cohort);
    Table cohort;
    if (auto it = cohort_cache().find(key); it != cohort_cache().end()) {
        cohort = it->second;
    } else {
        nlohmann::json ignored = nlohmann::json::object();
        cohort = build_named_cohort(ctx, def.cohort, *find_section(ctx.job, "cohort." + def.cohort), ignored);
    }
    Table t = lexis_split(cohort, def, ctx.comm);
    t.name = ctx.name;
    const std::int64_t rows = ctx.comm.allreduce(static_cast<std::int64_t>(t.rows()));
    double pyrs = 0;
    std::int64_t events = 0;
    for (double x : t.column("pyrs").f64) pyrs += x;
    for (auto e : t.column("events").i64) events += e;
    pyrs = ctx.comm.allreduce(pyrs);
    events = ctx.comm.allreduce(events);
    std::optional<ReleaseLayer> own;
    if (!ctx.release) own.emplace(ctx.policy);
    ReleaseLayer& rel = ctx.release ? *ctx.release : *own;
    rel.begin("lexis:" + ctx.name);
    // Cell keys (issue 16): the rows' record keys; an event row adds its key once per event.
    std::optional<cellkey::Key> rows_key, events_key;
    if (rel.perturbs()) {
        const std::vector<cellkey::Key> rk = rel.record_keys(t.column("pid").i64);
        const auto& ev = t.column("events").i64;
        cellkey::Key ek = 0;
        for (std::size_t i = 0; i < rk.size(); ++i) ek += rk[i] * static_cast<cellkey::Key>(ev[i]);
        rows_key = cellkey::allreduce(ctx.comm, cellkey::sum(rk));
        events_key = cellkey::allreduce(ctx.comm, ek);
    }
    ctx.report["kind"] = "lexis";
    ctx.report["cohort"] = def.cohort;
    ctx.report["rows"] = rel.release_json(rows, {"rows", "", rows_key});
    ctx.report["person_years"] = std::round(pyrs * 10) / 10;
    ctx.report["events"] = rel.release_json(events, {"events", "", events_key});
    std::vector<std::string> cols;
    for (const auto& c : t.columns) cols.push_back(c.name);
    ctx.report["columns"] = cols;
    ctx.log("lexis '" + ctx.name + "': " + rel.log_count(rows) + " rows, " + std::to_string(pyrs) + " person-years");
    if (def.save) save_table(ctx, t, ctx.report);
    return t;
}

}  // namespace

KOHORT_REGISTER_DERIVED_TABLE("variable", variable_section);
KOHORT_REGISTER_DERIVED_TABLE("cohort", cohort_section);
KOHORT_REGISTER_DERIVED_TABLE("lexis", lexis_section);

}  // namespace kohort::linkage
