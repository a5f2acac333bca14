// `kohort demo`: synthesises a cohort, runs the bundled study job (embedded from
// jobs/demo_statin_mi.ini) on local MPI ranks and prints its headline results beside the truth
// planted in the store.
#include <unistd.h>

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
#include "cli/demo_job.hpp"
#include "cli/demo_report.hpp"
#include "core/error.hpp"
#include "jobs/job_file.hpp"
#include "jobs/runner.hpp"
#include "synth/synth.hpp"

namespace kohort::cli {
namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') out += "'\\''";
        else out += c;
    }
    return out + "'";
}

bool have_mpirun() { return std::system("command -v mpirun >/dev/null 2>&1") == 0; }

// This process is an MPI singleton; a child mpirun that inherits its launcher variables
// (OMPI_*, PMIX_*, ...) tries to join this singleton's session and fails. Remove them first.
void forget_mpi_launcher_environment() {
    std::vector<std::string> names;
    for (char** e = environ; *e; ++e) {
        const std::string kv = *e;
        const std::string name = kv.substr(0, kv.find('='));
        for (const char* prefix : {"OMPI_", "PMIX_", "OPAL_", "ORTE_", "PRTE_", "HYDRA_", "PMI_", "MPIR_"})
            if (name.rfind(prefix, 0) == 0) names.push_back(name);
    }
    const char* psec = std::getenv("PMIX_MCA_psec");
    const std::string chosen_psec = psec ? psec : "";
    for (const auto& n : names) unsetenv(n.c_str());
    // The demo's ranks run on this host, where PMIx's native security is enough; left to choose,
    // PMIx tries munge first and, with munge installed but no munged running, waits ~2.4 s.
    setenv("PMIX_MCA_psec", chosen_psec.empty() ? "native" : chosen_psec.c_str(), 1);
}

}  // namespace

int cmd_demo(const Args& args, const Comm& comm) {
    po::options_description opts(
        "Usage: kohort demo [--persons N] [--seed S] [--ranks R] [--dir DIR]\n\n"
        "Synthesises a registry cohort with planted effects, runs the bundled study job\n"
        "(jobs/demo_statin_mi.ini) on R local MPI ranks, and prints the estimates beside the truth.\n\n"
        "Options");
    std::int64_t persons = 60000;
    std::uint64_t seed = 3;
    int ranks = 2;
    std::string dir = "kohort-demo";
    opts.add_options()("help,h", "show this help")("persons", po::value(&persons)->default_value(persons),
                                                   "persons in the synthetic population")(
        "seed", po::value(&seed)->default_value(seed), "random seed")(
        "ranks", po::value(&ranks)->default_value(ranks), "MPI ranks for the study job (uses mpirun)")(
        "dir", po::value(&dir)->default_value(dir), "working folder for the store, job file and results");
    po::variables_map vm;
    if (!parse_command_line("demo", args, opts, nullptr, vm, comm)) return 0;
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
        // Launch the study on local ranks; --oversubscribe so a laptop or CI runner with fewer cores works.
        std::string cmd = "mpirun --oversubscribe";
        if (geteuid() == 0) cmd += " --allow-run-as-root";
        cmd += " -np " + std::to_string(ranks) + " " + shell_quote(fs::read_symlink("/proc/self/exe").string()) +
               " run " + shell_quote(job_path);
        for (const auto& s : sets) cmd += " --set " + shell_quote(s);
        std::fprintf(stderr, "kohort demo: %s\n", cmd.c_str());
        std::fflush(stderr);
        forget_mpi_launcher_environment();
        const int rc = std::system(cmd.c_str());
        if (rc != 0) throw InternalError("the demo study job failed (see the messages above)");
    } else {
        run_job(read_job_file(job_path, sets), comm);
    }
    if (comm.is_root()) std::cout << demo_report(output + "/results.json", store);
    return 0;
}

}  // namespace kohort::cli
