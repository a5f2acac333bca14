// `kohort submit JOB.ini`: renders slurm/kohort.sbatch.in for the job and hands it to sbatch.
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <unistd.h>

#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/help_texts.hpp"  // generated from src/cli/help/*.txt
#include "cli/slurm_process.hpp"
#include "cli/slurm_script.hpp"
#include "core/error.hpp"
#include "jobs/job_file.hpp"

namespace kohort::cli {
namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw UsageError(p.string() + ": cannot read the batch script template");
    std::stringstream buf;
    buf << in.rdbuf();
    return buf.str();
}

// The template, in the order a user or site would expect to override it: an explicit
// --template, $KOHORT_SBATCH_TEMPLATE, the installed copy (PREFIX/share/kohort/slurm, see the
// install() rules), then the source tree this binary was built from.
fs::path find_template(const std::string& flag, const fs::path& exe) {
    if (!flag.empty()) {
        if (!fs::is_regular_file(flag)) throw UsageError(flag + ": --template: file not found");
        return fs::absolute(flag);
    }
    if (const char* env = std::getenv("KOHORT_SBATCH_TEMPLATE"); env && *env) {
        if (!fs::is_regular_file(env)) throw UsageError(std::string(env) + ": $KOHORT_SBATCH_TEMPLATE: file not found");
        return fs::absolute(env);
    }
    const std::vector<fs::path> candidates = {
        exe.parent_path().parent_path() / "share/kohort/slurm/kohort.sbatch.in",
        fs::path(KOHORT_SOURCE_TREE) / "slurm/kohort.sbatch.in",
    };
    for (const auto& c : candidates)
        if (fs::is_regular_file(c)) return c.lexically_normal();
    std::string tried;
    for (const auto& c : candidates) tried += "\n  " + c.lexically_normal().string();
    throw InternalError("cannot find the batch script template kohort.sbatch.in; looked in:" + tried +
                        "\nreinstall kohort, or pass --template FILE or set KOHORT_SBATCH_TEMPLATE");
}

void refuse_whitespace(const std::string& path, const std::string& what) {
    if (path.find_first_of(" \t\n\r\"'") != std::string::npos)
        throw UsageError(fmt::format("{} '{}' contains a space or quote, which #SBATCH lines cannot hold; {}", what,
                                     path, what == "the log folder" ? "choose another with --log-dir"
                                                                    : "run kohort submit from another folder"));
}

// sbatch failed. Refusals of the request (bad partition, too many CPUs, memory) are the user's
// to fix (exit 2); a controller that cannot be reached is the environment's (exit 1).
[[noreturn]] void relay_sbatch_failure(const ProcessResult& r) {
    const std::string msg = trim(r.err.empty() ? r.out : r.err);
    const std::string text = fmt::format("sbatch refused the job (exit code {}):\n{}", r.exit_code, msg);
    if (msg.find("Unable to contact") != std::string::npos || msg.find("Socket timed out") != std::string::npos ||
        msg.find("configuration source") != std::string::npos)
        throw InternalError(text + "\nis Slurm running here? try 'sinfo'");
    throw UsageError(text);
}

struct SubmitArgs {
    std::string job_path, template_flag;
    std::vector<std::string> sets;
    SlurmRequest flags;
    bool dry_run = false;
};

// Phase 1: the command line. Returns false when --help was printed.
bool parse_submit_args(const Args& args, const Comm& comm, SubmitArgs& a) {
    CommandLine cmd("submit", help::submit);
    long nodes = 0, ntasks = 0, cpus = 0;
    std::string time, mem, partition, account, qos, log_dir;
    cmd.add_options()
        ("nodes,N", po::value<long>(&nodes), "number of nodes (default 1)")                 //
        ("ntasks-per-node", po::value<long>(&ntasks), "MPI ranks per node (default 1)")      //
        ("cpus-per-task,c", po::value<long>(&cpus), "OpenMP threads per rank (default 1)")  //
        ("time,t", po::value<std::string>(&time), "time limit, e.g. 2:00:00 or 1-00:00:00")  //
        ("mem", po::value<std::string>(&mem), "memory per node, e.g. 64G (see kohort run --plan)")  //
        ("partition,p", po::value<std::string>(&partition), "partition (queue)")                //
        ("account,A", po::value<std::string>(&account), "account to charge")                    //
        ("qos", po::value<std::string>(&qos), "quality of service")                             //
        ("log-dir", po::value<std::string>(&log_dir), "folder for the Slurm .out/.err files")  //
        ("set", po::value<std::vector<std::string>>(&a.sets)->composing(),
         "override a job file value, passed on to 'kohort run' (e.g. --set job.output=out/run2)")  //
        ("template", po::value<std::string>(&a.template_flag), "batch script template to render")   //
        ("dry-run", "print the batch script instead of submitting it")                            //
        ("job", po::value<std::string>(&a.job_path), "the job file");
    cmd.positional("job");
    if (!cmd.parse(args, comm)) return false;
    if (comm.size() > 1)
        throw UsageError("kohort submit runs as one process on a login node; run it without mpirun or srun");
    if (a.job_path.empty()) throw UsageError("kohort submit: no job file given; usage: kohort submit JOB.ini");
    a.dry_run = cmd.count("dry-run") > 0;

    SlurmRequest& flags = a.flags;
    if (cmd.count("nodes")) flags.nodes = parse_positive_count(std::to_string(nodes), "--nodes");
    if (cmd.count("ntasks-per-node"))
        flags.ntasks_per_node = parse_positive_count(std::to_string(ntasks), "--ntasks-per-node");
    if (cmd.count("cpus-per-task")) flags.cpus_per_task = parse_positive_count(std::to_string(cpus), "--cpus-per-task");
    auto take_string = [&](const char* name, const std::string& value, std::optional<std::string>& into) {
        if (!cmd.count(name)) return;
        check_slurm_value(value, std::string("--") + name);
        into = value;
    };
    take_string("time", time, flags.time);
    take_string("mem", mem, flags.mem);
    take_string("partition", partition, flags.partition);
    take_string("account", account, flags.account);
    take_string("qos", qos, flags.qos);
    if (cmd.count("log-dir")) {
        if (log_dir.empty()) throw UsageError("--log-dir: the value is empty");
        flags.log_dir = log_dir;
    }
    return true;
}

struct RenderedJob {
    std::string script;
    fs::path logs;     // the Slurm log folder
    std::string name;  // the job name as Slurm file names use it
};

// Phase 2: the job file (validated now, so a malformed job fails here and not in the queue), its
// [slurm] section merged with the flags, and the rendered batch script.
RenderedJob render_job_script(const SubmitArgs& a) {
    const JobFile job = read_job_file(a.job_path, a.sets);
    SlurmRequest from_file;
    for (const auto& [section, keys] : job.sections)
        if (section == "slurm") from_file = slurm_request_from_section(keys, a.job_path + " [slurm]");
    const SlurmRequest request = merge(from_file, a.flags);

    const fs::path workdir = fs::current_path();
    // The default log folder sits beside the output folder, never inside it: the output folder
    // must not exist unless the job succeeded.
    const fs::path logs = request.log_dir ? fs::absolute(*request.log_dir).lexically_normal()
                                          : (fs::path(job.output).parent_path() / "slurm-logs").lexically_normal();
    refuse_whitespace(workdir.string(), "the working directory");
    refuse_whitespace(logs.string(), "the log folder");
    const fs::path job_abs = fs::absolute(a.job_path).lexically_normal();
    refuse_whitespace(job_abs.string(), "the job file path");

    const fs::path exe = fs::read_symlink("/proc/self/exe");
    const fs::path tmpl = find_template(a.template_flag, exe);

    ScriptInputs in;
    in.job_name = job.name;
    in.job_file = job_abs.string();
    in.kohort_binary = exe.string();
    in.workdir = workdir.string();
    in.log_dir = logs.string();
    for (const auto& s : a.sets) {
        in.run_args.push_back("--set");
        in.run_args.push_back(s);
    }
    in.template_path = tmpl.string();
    const std::string script = render_batch_script(read_text(tmpl), request, in);

    return {script, logs, safe_job_name(job.name)};
}

// Phase 3: sbatch. The log folder is created first (Slurm does not, and a missing one loses the
// logs silently) and removed again if sbatch refuses. Returns the job id.
std::string submit_script(const RenderedJob& r) {
    const fs::path& logs = r.logs;
    const std::string& name = r.name;
    const std::string& script = r.script;
    const auto sbatch = find_on_path("sbatch");
    if (!sbatch)
        throw UsageError(
            "sbatch not found on PATH; kohort submit needs Slurm's client tools: install them (Debian/Ubuntu: "
            "apt-get install slurm-client) or run kohort submit on a login node of the cluster. "
            "To look at the batch script without submitting it, use --dry-run");

    // Slurm does not create the folder for --output/--error; a missing one loses the logs silently.
    // Remember the topmost folder this call creates, to remove the empty chain if sbatch refuses.
    fs::path first_created;
    for (fs::path p = logs; !p.empty() && !fs::exists(p); p = p.parent_path()) {
        first_created = p;
        if (p == p.parent_path()) break;
    }
    std::error_code ec;
    fs::create_directories(logs, ec);
    if (ec) throw UsageError(fmt::format("cannot create the log folder {}: {}", logs.string(), ec.message()));

    // The rendered script is kept beside the logs as NAME-JOBID.sbatch, so a run can be repeated.
    const fs::path pending = logs / fmt::format("{}.{}.sbatch.pending", name, ::getpid());
    {
        std::ofstream f(pending, std::ios::binary | std::ios::trunc);
        f << script;
        if (!f) throw UsageError("cannot write " + pending.string());
    }
    const ProcessResult res = run_process({*sbatch, "--parsable", pending.string()});
    if (res.exit_code != 0) {
        fs::remove(pending, ec);
        if (!first_created.empty())
            for (fs::path p = logs; fs::remove(p, ec) && p != first_created; p = p.parent_path()) {
                // fs::remove deletes empty folders only; stop at the first one that is not ours.
            }
        relay_sbatch_failure(res);
    }
    // --parsable prints "JOBID" or "JOBID;CLUSTER".
    const std::string first = trim(res.out.substr(0, res.out.find('\n')));
    const std::string job_id = first.substr(0, first.find(';'));
    if (job_id.empty() || job_id.find_first_not_of("0123456789_") != std::string::npos)
        throw InternalError(fmt::format("sbatch succeeded but printed '{}', expected a job id", trim(res.out)));
    const fs::path kept = logs / (name + "-" + job_id + ".sbatch");
    fs::rename(pending, kept, ec);

    std::cerr << fmt::format("kohort submit: job {} queued; Slurm logs: {}/{}-{}.out and .err; script: {}\n", job_id,
                             logs.string(), name, job_id, ec ? pending.string() : kept.string());
    if (!trim(res.err).empty()) std::cerr << trim(res.err) << "\n";  // sbatch warnings
    return job_id;
}

}  // namespace

int cmd_submit(const Args& args, const Comm& comm) {
    SubmitArgs a;
    if (!parse_submit_args(args, comm, a)) return 0;
    const RenderedJob job = render_job_script(a);
    if (a.dry_run) {
        std::cout << job.script;
        return 0;
    }
    std::cout << submit_script(job) << "\n";
    return 0;
}

}  // namespace kohort::cli
