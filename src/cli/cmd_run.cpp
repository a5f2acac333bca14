#include <boost/program_options.hpp>
#include <iostream>

#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/help_texts.hpp"  // generated from src/cli/help/*.txt
#include "cli/plan.hpp"
#include "core/error.hpp"
#include "jobs/job_file.hpp"
#include "jobs/runner.hpp"

namespace kohort::cli {
namespace po = boost::program_options;

int cmd_run(const Args& args, const Comm& comm) {
    CommandLine cmd("run", help::run);
    std::string job_path;
    std::vector<std::string> sets;
    cmd.add_options()(
        "set", po::value<std::vector<std::string>>(&sets)->composing(),
        "override a job file value, e.g. --set job.output=out/run2 --set model.cox1.ties=breslow")(
        "quiet,q", "no progress lines on stderr")(
        "plan", "print the memory each rank will need, from the store's metadata only, and exit")("job", po::value<std::string>(&job_path), "the job file");
    cmd.positional("job");
    if (!cmd.parse(args, comm)) return 0;
    if (job_path.empty()) throw UsageError("kohort run: no job file given; usage: kohort run JOB.ini");
    if (cmd.count("plan")) {
        if (comm.is_root()) std::cout << plan_job(job_path, comm.size(), sets);
        return 0;
    }
    const JobFile job = read_job_file(job_path, sets);
    RunOptions ro;
    ro.quiet = cmd.count("quiet") > 0;
    run_job(job, comm, ro);
    if (comm.is_root()) std::cout << job.output << "/results.json\n";
    return 0;
}

}  // namespace kohort::cli
