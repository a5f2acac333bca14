// Running Slurm's client tools (sbatch) from kohort: finding them on PATH and capturing their
// output, with an environment cleaned of the variables MPI_Init put there.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace kohort::cli {

// The first executable `name` in the directories of $PATH, or nothing.
std::optional<std::string> find_on_path(const std::string& name);

struct ProcessResult {
    int exit_code = 0;          // 128 + signal when killed by a signal
    std::string out, err;
};

// Runs argv[0] (an absolute path) with argv, waits, and returns its exit code and output.
// The child gets this process's environment minus the launcher variables Open MPI's singleton
// MPI_Init adds (PMIX_*, OMPI_COMMAND, OMPI_MCA_ess, ...): sbatch exports the environment into
// the job, and a stale PMIx server address there would break `srun kohort run`.
ProcessResult run_process(const std::vector<std::string>& argv);

// True for variables that describe the current MPI launch rather than the user's settings.
bool is_launcher_variable(const std::string& name);

}  // namespace kohort::cli
