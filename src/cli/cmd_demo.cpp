// `kohort demo`: synthesises a cohort, runs the bundled study job (embedded from
// jobs/demo_statin_mi.ini) on local MPI ranks and prints its headline results beside the truth
// planted in the store.
#include <boost/program_options.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/help_texts.hpp"  // generated from src/cli/help/*.txt
#include "cli/demo_job.hpp"
#include "cli/demo_report.hpp"
#include "cli/local_mpirun.hpp"
#include "core/error.hpp"
#include "jobs/job_file.hpp"
#include "jobs/runner.hpp"
#include "synth/synth.hpp"

namespace kohort::cli {
namespace po = boost::program_options;
namespace fs = std::filesystem;

int cmd_demo(const Args& args, const Comm& comm) {
    CommandLine cmd("demo", help::demo);
    std::int64_t persons = 60000;
    std::uint64_t seed = 3;
    int ranks = 2;
    std::string dir = "kohort-demo";
    cmd.add_options()("persons", po::value(&persons)->default_value(persons), "persons in the synthetic population")(
        "seed", po::value(&seed)->default_value(seed), "random seed")(
        "ranks", po::value(&ranks)->default_value(ranks), "MPI ranks for the study job (uses mpirun)")(
        "dir", po::value(&dir)->default_value(dir), "working folder for the store, job file and results");
    if (!cmd.parse(args, comm)) return 0;
    if (persons < 100) throw UsageError("kohort demo: --persons must be at least 100");
    if (ranks < 1) throw UsageError("kohort demo: --ranks must be at least 1");

    fs::create_directories(dir);
    const std::string store = fs::absolute(fs::path(dir) / "demo.h5").string();
    const std::string job_path = fs::absolute(fs::path(dir) / "demo_statin_mi.ini").string();
    const std::string output = fs::absolute(fs::path(dir) / "results").string();
    if (comm.is_root()) {
        std::ofstream(job_path) << kDemoJobText;
        std::fprintf(stderr, "kohort demo: synthesising %lld persons (seed %llu) into %s\n",
                     static_cast<long long>(persons), static_cast<unsigned long long>(seed), store.c_str());
    }
    synth::SynthConfig cfg;
    cfg.persons = persons;
    cfg.seed = seed;
    cfg.progress = comm.is_root();
    synth::write_synthetic_store(store, cfg, comm);

    const std::vector<std::string> sets = {"job.store=" + store, "job.output=" + output};
    if (comm.size() == 1 && ranks > 1 && have_mpirun()) {
        // Launch the study on local ranks.
        std::vector<std::string> run_args = {"run", job_path};
        for (const auto& s : sets) run_args.insert(run_args.end(), {"--set", s});
        const int rc = run_self_under_mpirun(ranks, run_args, "", "kohort demo");
        if (rc != 0) throw InternalError("the demo study job failed (see the messages above)");
    } else {
        run_job(read_job_file(job_path, sets), comm);
    }
    if (comm.is_root()) std::cout << demo_report(output + "/results.json", store);
    return 0;
}

}  // namespace kohort::cli
