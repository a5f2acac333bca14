#include "jobs/runner.hpp"

#include <omp.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "core/error_counts.hpp"
#include "core/version.hpp"
#include "formula/formula.hpp"
#include "jobs/audit.hpp"
#include "jobs/csv_writer.hpp"
#include "jobs/derived_tables.hpp"
#include "jobs/output_dir.hpp"
#include "jobs/site_config.hpp"
#include "engine/columns.hpp"
#include "jobs/audited_commit.hpp"
#include "jobs/checkpoint.hpp"
#include "mpi/preemption.hpp"
#include "report/report.hpp"
#include "engine/kernel.hpp"
#include "store/store.hpp"

namespace kohort {

DerivedTableRegistry& DerivedTableRegistry::instance() {
    static DerivedTableRegistry r;
    return r;
}

namespace {

using Clock = std::chrono::steady_clock;

// Progress lines: kept for job.log and, on rank 0, echoed to stderr as they happen.
class JobLog {
public:
    JobLog(const Comm& comm, bool quiet) : comm_(comm), quiet_(quiet), start_(Clock::now()) {}
    void operator()(const std::string& msg) {
        if (!comm_.is_root()) return;
        char stamp[32];
        std::snprintf(stamp, sizeof stamp, "[%8.2fs] ", seconds());
        lines_ += stamp + msg + "\n";
        if (!quiet_) std::fprintf(stderr, "kohort: %s%s\n", stamp, msg.c_str());
    }
    double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
    const std::string& text() const { return lines_; }

private:
    const Comm& comm_;
    bool quiet_;
    Clock::time_point start_;
    std::string lines_;
};

// "a, b, c", or "(none)".
std::string list_or_none(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out.empty() ? "(none)" : out;
}

double peak_rss_mib() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

// What the phases of a job share: the communicator, the job, the site, the log and the audit record.
struct JobRun {
    JobRun(const JobFile& j, const Comm& c, const SiteConfig& s, JobLog& l, nlohmann::json& a)
        : job(j), comm(c), site(s), log(l), audit(a) {}
    const JobFile& job;
    const Comm& comm;
    const SiteConfig& site;
    JobLog& log;
    nlohmann::json& audit;
    std::map<std::string, Table> tables;
    std::map<std::string, std::vector<cellkey::Key>> record_keys;  // per table, under cell key perturbation
    nlohmann::json inputs = nlohmann::json::array();  // tables and columns read, for the audit record
    nlohmann::json derived_report = nlohmann::json::object();

    void approve(const std::string& table, const std::string& column) const {
        site.check_approved(job.project, table, column);
    }
};

// Phase: study sections ([cohort.*], [lexis.*], ...) derive their tables first: models may use them.
void derive_tables(JobRun& run, const Store& store, DisclosureLedger& ledger) {
    for (const auto& [section, opts] : run.job.sections) {
        const auto dot = section.find('.');
        const std::string prefix = section.substr(0, dot);
        const std::string name = dot == std::string::npos ? section : section.substr(dot + 1);
        if (prefix == "slurm") continue;
        const DerivedTableBuilder* builder = DerivedTableRegistry::instance().find(prefix);
        if (!builder) throw InternalError("section [" + section + "] was validated but has no table builder");
        nlohmann::json report = nlohmann::json::object();
        run.log("deriving table '" + name + "' from [" + section + "]");
        DerivedTableContext ctx{run.comm, run.job, section, name, opts, store, std::ref(run.log), report, ledger.policy(),
                                [&run](const std::string& t, const std::string& c) { run.approve(t, c); }, &ledger};
        run.tables[name] = (*builder)(ctx);
        run.tables[name].name = name;
        if (report.contains("inputs"))
            for (const auto& input : report["inputs"]) run.inputs.push_back(input);
        run.derived_report[name] = report;
    }
}

// The columns each store table must provide, from every model's declared columns
// (engine/columns.hpp). An empty set for a table means "all columns".
std::map<std::string, std::set<std::string>> columns_needed(const JobFile& job) {
    std::map<std::string, std::set<std::string>> need;
    std::set<std::string> whole;
    for (const auto& m : job.models) {
        const ColumnsRead read = declared_columns(m.checked);
        need[read.table].insert(read.columns.begin(), read.columns.end());
        if (read.whole_table) whole.insert(read.table);
    }
    for (const auto& t : whole) need[t].clear();
    return need;
}

// Phase: each store table a model uses is read, only the declared columns, after the project's
// approval for every one of them is checked.
void load_model_tables(JobRun& run, Store& store, const DisclosureLedger& ledger) {
    const JobFile& job = run.job;
    for (const auto& [table, cols] : columns_needed(job)) {
        if (run.tables.count(table)) continue;
        if (!store.has_table(table))
            throw UsageError(job.path + ": table '" + table + "' is not in the store " + job.store +
                             "; it has: " + list_or_none(store.table_names()));
        const TableInfo info = store.info(table);
        std::vector<std::string> have;
        for (const auto& ci : info.columns) have.push_back(ci.name);
        std::vector<std::string> want(cols.begin(), cols.end());
        for (const auto& c : want)
            if (std::find(have.begin(), have.end(), c) == have.end())
                throw UsageError(job.path + ": table '" + table + "' has no column '" + c + "'; its columns are: " +
                                 list_or_none(have));
        // Cell key perturbation needs each row's person: pid is read too (and audited as read).
        const bool add_pid = ledger.perturbs() && !want.empty() &&
                             std::find(want.begin(), want.end(), "pid") == want.end() &&
                             std::find(have.begin(), have.end(), "pid") != have.end();
        if (add_pid) want.push_back("pid");
        const std::vector<std::string>& audited = want.empty() ? have : want;
        for (const auto& c : audited) run.approve(table, c);
        run.log("loading " + std::to_string(audited.size()) + " column(s) of '" + table + "' (" +
                ledger.log_count(info.rows) + " rows)");
        run.tables[table] = store.read(table, run.comm, want);
        run.inputs.push_back({{"table", table}, {"columns", audited}, {"rows", info.rows}});
        if (add_pid) {
            Table& t = run.tables[table];
            run.record_keys[table] = ledger.record_keys(t.column("pid").i64);
            t.columns.erase(std::find_if(t.columns.begin(), t.columns.end(),
                                         [](const Column& c) { return c.name == "pid"; }));
        }
    }
}

// Phase (cell key perturbation): every table a model reads gets its rows' record keys, from pid.
void attach_record_keys(JobRun& run, const DisclosureLedger& ledger) {
    if (!ledger.perturbs()) return;
    for (const auto& spec : run.job.models) {
        const std::string table = spec.checked.text("table");
        if (run.record_keys.count(table)) continue;
        const Table& t = run.tables.at(table);
        const Column* pid = t.find("pid");
        if (!pid || pid->type != ColumnType::Int64)
            throw GovernanceError(spec.where() + ": table '" + table +
                                  "' has no int64 pid column; cell key perturbation needs the person of every row");
        run.record_keys[table] = ledger.record_keys(pid->i64);
    }
}

// The perturbation table and record keys of a perturbing policy, from the site configuration.
void set_up_perturbation(DisclosureLedger& ledger, const SiteConfig& site) {
    if (!ledger.perturbs()) return;
    auto table = site.perturbation_table.empty()
                     ? std::make_shared<const cellkey::PerturbationTable>(cellkey::PerturbationTable::built_in())
                     : std::make_shared<const cellkey::PerturbationTable>(cellkey::PerturbationTable::load(site.perturbation_table));
    ledger.set_perturbation(std::move(table), std::make_shared<cellkey::RecordKeys>(site.record_key_file));
}

struct ModelResults {
    nlohmann::json models = nlohmann::json::object();
    std::map<std::string, std::string> files;  // OUTPUT/NAME.csv and NAME.svg
};

// Phase: every [model.*] runs on all ranks, in file order.
// A model of an earlier, stopped run of this job is restored from the checkpoint instead of
// fitted again (contract section 9); every fitted model is saved there.
ModelResults run_models(JobRun& run, DisclosureLedger& ledger, const Store& store, Checkpoint& checkpoint) {
    ModelResults out;
    std::map<std::string, const ModelSpec*> last_reader;  // per table, the last model that reads it
    for (const auto& spec : run.job.models) last_reader[spec.checked.text("table")] = &spec;
    for (const auto& spec : run.job.models) {
        const ModelKind* kind = ModelRegistry::instance().find(spec.kind);
        if (!kind) throw InternalError(spec.where() + ": kind '" + spec.kind + "' was validated but is not registered");
        const std::string table = spec.checked.text("table");
        run.log("model '" + spec.name + "' (" + spec.kind + ") on '" + table + "'");
        ledger.begin(spec.name);
        ModelOutput result;
        if (const SavedModel* saved = checkpoint.find(spec.name)) {
            result = saved->output;
            ledger.restore_scope(spec.name, saved->release_record);
            run.log("model '" + spec.name + "' restored from the checkpoint");
        } else {
            const auto t0 = Clock::now();
            const std::int64_t suppressed_before = ledger.suppressed(), coarsened_before = ledger.coarsened_count();
            Table& local = run.tables.at(table);
            ModelContext ctx{run.comm, spec.checked, local, ledger, std::ref(run.log),
                             last_reader[table] == &spec ? &local : nullptr, &store};
            if (auto k = run.record_keys.find(table); k != run.record_keys.end()) ctx.record_keys = &k->second;
            result = kind->run(ctx);
            result.result["kind"] = spec.kind;
            result.result["seconds"] = std::chrono::duration<double>(Clock::now() - t0).count();
            checkpoint.save(spec.name, SavedModel{result, ledger.scope_record(spec.name, ledger.suppressed() - suppressed_before,
                                                                              ledger.coarsened_count() - coarsened_before)});
            debug_pause_after_model(run.comm);
        }
        safe_point(run.comm);  // between models: stop here, on every rank, when SIGTERM arrived
        out.models[spec.name] = result.result;
        out.files[spec.name + ".csv"] = to_csv(result.csv);
        if (result.svg) out.files[spec.name + ".svg"] = *result.svg;
        for (auto& [suffix, content] : result.files) out.files[spec.name + suffix] = std::move(content);
    }
    return out;
}

// Phase: rank 0 stages the output folder, appends and flushes the audit record with every file's
// SHA-256, and only then renames the folder into place (contract section 7: no output is released
// without its record); the other ranks wait for it.
void release_outputs(JobRun& run, const nlohmann::json& results, std::map<std::string, std::string>& files,
                     double wall, Checkpoint& checkpoint, DisclosureLedger& ledger) {
    const JobFile& job = run.job;
    const Comm& comm = run.comm;
    const SiteConfig& site = run.site;
    JobLog& log = run.log;
    nlohmann::json& audit = run.audit;
    if (comm.is_root()) {
        OutputDir out(job.output);
        out.add("results.json", results.dump(2) + "\n");
        for (auto& [name, content] : files) out.add(name, std::move(content));
        out.add("disclosure.json", ledger.report().dump(2) + "\n");
        out.add("job.log", log.text());
        // report.html (issue 15) is made from the files just added, and nothing else, so it shows
        // only what they release; `kohort report OUTPUT` rebuilds the same page.
        out.add(report::kReportFile, report::build_report(out.files(), kUnsealedRecordHash));
        audit["wall_seconds"] = wall;
        commit_with_audit(out, audit, site.audit_log, {report::kReportFile, report::kAuditHashMarker});
        checkpoint.remove();  // the output is committed; the checkpoint is spent
    }
    comm.barrier();
}

// The audit record's opening fields (governance.md); the phases add inputs, outputs and status.
nlohmann::json audit_header(const JobFile& job, const Comm& comm, int threads) {
    return {{"job", job.name},
            {"job_file", std::filesystem::absolute(job.path).string()},
            {"job_sha256", job.sha256},
            {"project", job.project},
            {"purpose", job.purpose},
            {"store", job.store},
            {"output", job.output},
            {"ranks", comm.size()},
            {"threads_per_rank", threads}};
}

// results.json (docs/results.md) without its io block.
nlohmann::json results_json(const JobRun& run, int threads, double wall, const ModelResults& fitted,
                            const DisclosureLedger& ledger) {
    nlohmann::json results = {
        {"kohort_version", kVersion},
        {"job",
         {{"name", run.job.name}, {"project", run.job.project}, {"purpose", run.job.purpose}, {"ranks", run.comm.size()}, {"threads_per_rank", threads}, {"wall_seconds", wall}}},
        {"models", fitted.models},
        {"disclosure",
         {{"policy", ledger.policy().name},
          {"min_count", ledger.policy().min_count},
          {"rounding", ledger.policy().base()},
          {"suppressed", ledger.suppressed()},
          {"coarsened", ledger.coarsened_count()}}}};
    if (ledger.perturbs()) {
        results["disclosure"]["rounding"] = 1;
        results["disclosure"]["perturbation"] = ledger.perturbation_summary();
    }
    if (!run.derived_report.empty()) results["derived_tables"] = run.derived_report;
    return results;
}

}  // namespace

nlohmann::json run_job(const JobFile& job, const Comm& comm, const RunOptions& options) {
    JobLog log(comm, options.quiet);
    const StopSignalGuard stop_on_sigterm;  // SIGTERM only sets a flag, read at safe points (preemption.hpp)
    const SiteConfig site = load_site_config();
    const Options& job_section = job.checked.at("job");
    const int threads = job_section.has("threads") ? static_cast<int>(job_section.integer("threads"))
                                                   : omp_get_max_threads();
    omp_set_num_threads(threads);

    nlohmann::json audit = audit_header(job, comm, threads);
    auto audit_failure = [&](const std::exception& e) {
        if (!comm.is_root()) return;
        const auto* ke = dynamic_cast<const Error*>(&e);
        audit["status"] = ke && ke->code() == ExitCode::preempted ? "preempted" : "failed";
        audit["exit_code"] = ke ? static_cast<int>(ke->code()) : 1;
        try {
            append_audit_record(site.audit_log, audit);
        } catch (...) {
            // The original failure is the one to report.
        }
    };

    try {
        DisclosureLedger ledger(effective_policy(site, job.disclosure, job.perturbation));
        set_up_perturbation(ledger, site);
        // Counts in error messages from here on go out as the policy releases them.
        const ScopedErrorCounts error_counts([&ledger](std::int64_t n) { return ledger.error_count(n); });
        audit["disclosure_policy"] = ledger.policy().name;
        if (ledger.perturbs()) audit["perturbation"] = "cell_key";
        log("job '" + job.name + "' on " + std::to_string(comm.size()) + " rank(s) x " + std::to_string(threads) +
            " thread(s); disclosure policy " + ledger.policy().name +
            (ledger.perturbs() ? " with cell key perturbation (" + ledger.perturbation_table()->origin() + ")" : ""));
        if (!std::filesystem::exists(job.store))
            throw UsageError(job.path + " [job] store: '" + job.store + "' does not exist; create it with 'kohort synth' or 'kohort import'");
        Store store = Store::open(job.store, &comm);
        JobRun run{job, comm, site, log, audit};
        derive_tables(run, store, ledger);
        load_model_tables(run, store, ledger);
        attach_record_keys(run, ledger);
        audit["inputs"] = run.inputs;
        const std::int64_t bytes_read = store.bytes_read();
        const std::int64_t bytes_total = comm.allreduce(bytes_read);
        const std::int64_t bytes_max = comm.allreduce(bytes_read, ReduceOp::max);
        log("read " + std::to_string(bytes_total) + " bytes in all, at most " + std::to_string(bytes_max) +
            " on one rank");

        // Test hook for the abort path: fails one rank while the others go on into collectives.
        // Documented in docs/jobs.md; it can only end a job, never change a result.
        if (const char* fail = std::getenv("KOHORT_DEBUG_FAIL_RANK"); fail && std::atoi(fail) == comm.rank())
            throw InternalError("planted failure on rank " + std::to_string(comm.rank()) + " (KOHORT_DEBUG_FAIL_RANK)");

        // Completed models of an earlier, stopped run of this same job (collective).
        Checkpoint checkpoint(job.output, checkpoint_key(job, ledger.policy_description().dump(), comm), comm, std::ref(log));
        if (checkpoint.restored() > 0)
            log("resuming from the checkpoint " + checkpoint.folder() + ": " + std::to_string(checkpoint.restored()) +
                " model(s) completed before the job was stopped are not fitted again");

        ModelResults fitted = run_models(run, ledger, store, checkpoint);

        const double wall = log.seconds();
        nlohmann::json results = results_json(run, threads, wall, fitted, ledger);
        results["io"] = {{"bytes_read", bytes_total}, {"bytes_read_max_rank", bytes_max}};
        const double rss = comm.allreduce(peak_rss_mib(), ReduceOp::max);
        results["job"]["peak_rss_mib_max_rank"] = rss;
        // Per rank in whole MiB (report.html's header; admins size --mem-per-cpu by it). A MiB is
        // thousands of rows, and the largest rank's figure is released to 0.01 MiB already.
        std::vector<std::int64_t> per_rank = comm.allgatherv(std::vector<std::int64_t>{std::llround(peak_rss_mib())});
        results["job"]["peak_rss_mib"] = per_rank;
        log("done in " + std::to_string(wall) + " s; peak memory " + std::to_string(rss) + " MiB on the largest rank");

        release_outputs(run, results, fitted.files, wall, checkpoint, ledger);
        return results;
    } catch (const Preempted& e) {
        log("stopped by SIGTERM at a safe point; completed models are kept in the checkpoint for a rerun");
        audit_failure(e);
        throw;
    } catch (const std::exception& e) {
        audit_failure(e);
        throw;
    }
}

}  // namespace kohort
