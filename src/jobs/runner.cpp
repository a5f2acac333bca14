#include "jobs/runner.hpp"

#include <omp.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "core/version.hpp"
#include "formula/formula.hpp"
#include "jobs/audit.hpp"
#include "jobs/csv_writer.hpp"
#include "jobs/derived_tables.hpp"
#include "jobs/output_dir.hpp"
#include "jobs/site_config.hpp"
#include "kernels/kernel.hpp"
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

// The columns each table must provide, from every model's formula and column options.
// An empty set for a table means "all columns".
std::map<std::string, std::set<std::string>> columns_needed(const JobFile& job) {
    std::map<std::string, std::set<std::string>> need;
    std::set<std::string> all_columns;
    for (const auto& m : job.models) {
        const std::string table = m.require("table");
        auto& cols = need[table];
        bool named_any = false;
        if (!m.get("formula").empty()) {
            for (const auto& c : parse_formula(m.get("formula")).columns()) cols.insert(c);
            named_any = true;
        }
        for (const char* key : {"columns", "by"}) {
            for (const auto& c : split_list(m.get(key))) cols.insert(c);
            named_any = named_any || !m.get(key).empty();
        }
        for (const char* key : {"weights", "cluster"})
            if (!m.get(key).empty()) cols.insert(m.get(key));
        if (!named_any) all_columns.insert(table);
    }
    for (const auto& t : all_columns) need[t].clear();
    return need;
}

double peak_rss_mib() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

}  // namespace

nlohmann::json run_job(const JobFile& job, const Comm& comm, const RunOptions& options) {
    JobLog log(comm, options.quiet);
    const SiteConfig site = load_site_config();
    const int threads = job.job_options.count("threads") ? std::stoi(job.job_options.at("threads"))
                                                          : omp_get_max_threads();
    omp_set_num_threads(threads);

    nlohmann::json audit = {{"job", job.name},
                            {"job_file", std::filesystem::absolute(job.path).string()},
                            {"job_sha256", job.sha256},
                            {"project", job.project},
                            {"purpose", job.purpose},
                            {"store", job.store},
                            {"output", job.output},
                            {"ranks", comm.size()},
                            {"threads_per_rank", threads}};
    auto audit_failure = [&](const std::exception& e) {
        if (!comm.is_root()) return;
        audit["status"] = "failed";
        const auto* ke = dynamic_cast<const Error*>(&e);
        audit["exit_code"] = ke ? static_cast<int>(ke->code()) : 1;
        try {
            append_audit_record(site.audit_log, audit);
        } catch (...) {
            // The original failure is the one to report.
        }
    };

    try {
        DisclosureLedger ledger(effective_policy(site, job.disclosure));
        audit["disclosure_policy"] = ledger.policy().name;
        log("job '" + job.name + "' on " + std::to_string(comm.size()) + " rank(s) x " + std::to_string(threads) +
            " thread(s); disclosure policy " + ledger.policy().name);
        if (!std::filesystem::exists(job.store))
            throw UsageError(job.path + " [job] store: '" + job.store + "' does not exist; create it with 'kohort synth' or 'kohort import'");
        Store store = Store::open(job.store, &comm);
        nlohmann::json derived_report = nlohmann::json::object();
        std::map<std::string, Table> tables;
        nlohmann::json inputs = nlohmann::json::array();  // tables and columns read, for the audit record

        // Derived tables (study definitions) first: models may use them.
        for (const auto& [section, opts] : job.sections) {
            const auto dot = section.find('.');
            const std::string prefix = section.substr(0, dot);
            const std::string name = dot == std::string::npos ? section : section.substr(dot + 1);
            if (prefix == "slurm") continue;
            const DerivedTableBuilder* builder = DerivedTableRegistry::instance().find(prefix);
            if (!builder)
                throw UsageError(job.path + ": unknown section [" + section +
                                 "]; expected [job], [model.NAME], [slurm] or a study section such as [cohort.NAME]");
            nlohmann::json report = nlohmann::json::object();
            log("deriving table '" + name + "' from [" + section + "]");
            DerivedTableContext ctx{comm, job, section, name, opts, store, std::ref(log), report, &ledger};
            tables[name] = (*builder)(ctx);
            tables[name].name = name;
            if (report.contains("inputs"))
                for (const auto& input : report["inputs"]) inputs.push_back(input);
            derived_report[name] = report;
        }

        const auto needed = columns_needed(job);
        for (const auto& [table, cols] : needed) {
            if (tables.count(table)) continue;
            if (!store.has_table(table)) {
                std::string have;
                for (const auto& t : store.table_names()) have += (have.empty() ? "" : ", ") + t;
                throw UsageError(job.path + ": table '" + table + "' is not in the store " + job.store +
                                 "; it has: " + (have.empty() ? "(no tables)" : have));
            }
            const TableInfo info = store.info(table);
            std::vector<std::string> want(cols.begin(), cols.end());
            std::vector<std::string> audited = want;
            if (want.empty())
                for (const auto& c : info.columns) audited.push_back(c.name);
            for (const auto& c : want) {
                bool found = false;
                for (const auto& ci : info.columns) found = found || ci.name == c;
                if (!found) {
                    std::string have;
                    for (const auto& ci : info.columns) have += (have.empty() ? "" : ", ") + ci.name;
                    throw UsageError(job.path + ": table '" + table + "' has no column '" + c + "'; its columns are: " + have);
                }
            }
            for (const auto& c : audited) site.check_approved(job.project, table, c);
            log("loading " + std::to_string(audited.size()) + " column(s) of '" + table + "' (" +
                ledger.log_count(info.rows) + " rows)");
            tables[table] = store.read(table, comm, want);
            inputs.push_back({{"table", table}, {"columns", audited}, {"rows", info.rows}});
        }
        audit["inputs"] = inputs;
        const std::int64_t bytes_read = store.bytes_read();
        const std::int64_t bytes_total = comm.allreduce(bytes_read);
        const std::int64_t bytes_max = comm.allreduce(bytes_read, ReduceOp::max);
        log("read " + std::to_string(bytes_total) + " bytes in all, at most " + std::to_string(bytes_max) +
            " on one rank");

        // Test hook for the abort path: fails one rank while the others go on into collectives.
        // Documented in docs/jobs.md; it can only end a job, never change a result.
        if (const char* fail = std::getenv("KOHORT_DEBUG_FAIL_RANK"); fail && std::atoi(fail) == comm.rank())
            throw InternalError("planted failure on rank " + std::to_string(comm.rank()) + " (KOHORT_DEBUG_FAIL_RANK)");

        nlohmann::json models = nlohmann::json::object();
        std::map<std::string, std::string> files;
        std::map<std::string, const ModelSpec*> last_reader;  // per table, the last model that reads it
        for (const auto& spec : job.models) last_reader[spec.get("table")] = &spec;
        for (const auto& spec : job.models) {
            const ModelRunner* runner = ModelRegistry::instance().find(spec.kind);
            if (!runner) {
                std::string kinds;
                for (const auto& k : ModelRegistry::instance().kinds()) kinds += (kinds.empty() ? "" : ", ") + k;
                throw UsageError(spec.where() + ": unknown kind '" + spec.kind + "'; expected one of " + kinds);
            }
            const std::string table = spec.require("table");
            log("model '" + spec.name + "' (" + spec.kind + ") on '" + table + "'");
            const auto t0 = Clock::now();
            Table& local = tables.at(table);
            ledger.begin(spec.name);
            ModelContext ctx{comm, spec, local, ledger, std::ref(log), last_reader[table] == &spec ? &local : nullptr};
            ModelOutput out = (*runner)(ctx);
            out.result["kind"] = spec.kind;
            out.result["seconds"] = std::chrono::duration<double>(Clock::now() - t0).count();
            models[spec.name] = out.result;
            files[spec.name + ".csv"] = to_csv(out.csv);
            if (out.svg) files[spec.name + ".svg"] = *out.svg;
        }

        const double wall = log.seconds();
        nlohmann::json results = {
            {"kohort_version", kVersion},
            {"job", {{"name", job.name}, {"ranks", comm.size()}, {"threads_per_rank", threads}, {"wall_seconds", wall}}},
            {"models", models},
            {"disclosure",
             {{"policy", ledger.policy().name},
              {"min_count", ledger.policy().min_count},
              {"rounding", ledger.policy().base()},
              {"suppressed", ledger.suppressed()},
              {"coarsened", ledger.coarsened_count()}}},
            {"io", {{"bytes_read", bytes_total}, {"bytes_read_max_rank", bytes_max}}}};
        if (!derived_report.empty()) results["derived_tables"] = derived_report;
        const double rss = comm.allreduce(peak_rss_mib(), ReduceOp::max);
        results["job"]["peak_rss_mib_max_rank"] = rss;
        log("done in " + std::to_string(wall) + " s; peak memory " + std::to_string(rss) + " MiB on the largest rank");

        if (comm.is_root()) {
            OutputDir out(job.output);
            out.add("results.json", results.dump(2) + "\n");
            out.add("disclosure.json", ledger.report().dump(2) + "\n");
            for (auto& [name, content] : files) out.add(name, std::move(content));
            out.add("job.log", log.text());
            out.commit();
            audit["status"] = "succeeded";
            audit["exit_code"] = 0;
            nlohmann::json written = nlohmann::json::array({"results.json", "disclosure.json", "job.log"});
            for (const auto& [name, _] : files) written.push_back(name);
            audit["output_files"] = written;
            audit["wall_seconds"] = wall;
            append_audit_record(site.audit_log, audit);
        }
        comm.barrier();
        return results;
    } catch (const std::exception& e) {
        audit_failure(e);
        throw;
    }
}

}  // namespace kohort
