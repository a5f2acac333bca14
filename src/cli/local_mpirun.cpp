#include "cli/local_mpirun.hpp"

#include "cli/slurm_script.hpp"  // shell_quote

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace kohort::cli {
namespace {

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
    // Local ranks on this host, where PMIx's native security is enough; left to choose, PMIx tries
    // munge first and, with munge installed but no munged running, waits ~2.4 s.
    setenv("PMIX_MCA_psec", chosen_psec.empty() ? "native" : chosen_psec.c_str(), 1);
}

}  // namespace

bool have_mpirun() { return std::system("command -v mpirun >/dev/null 2>&1") == 0; }

int run_self_under_mpirun(int ranks, const std::vector<std::string>& args, const std::string& extra_flags,
                          const std::string& who) {
    std::string cmd = "mpirun --oversubscribe";
    if (geteuid() == 0) cmd += " --allow-run-as-root";
    if (!extra_flags.empty()) cmd += " " + extra_flags;
    cmd += " -np " + std::to_string(ranks) + " " + shell_quote(std::filesystem::read_symlink("/proc/self/exe").string());
    for (const auto& a : args) cmd += " " + shell_quote(a);
    std::fprintf(stderr, "%s: %s\n", who.c_str(), cmd.c_str());
    std::fflush(stderr);
    forget_mpi_launcher_environment();
    const int rc = std::system(cmd.c_str());
    return rc == 0 ? 0 : (WIFEXITED(rc) ? WEXITSTATUS(rc) : 1);
}

}  // namespace kohort::cli
