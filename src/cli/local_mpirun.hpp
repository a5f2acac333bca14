// Starting this kohort binary on local MPI ranks from a singleton run (`kohort demo`,
// `kohort node-check`): mpirun with --oversubscribe (a laptop or CI runner with fewer cores works)
// and --allow-run-as-root in containers, after removing the singleton's launcher environment.
#pragma once
#include <string>
#include <vector>

namespace kohort::cli {

bool have_mpirun();

// Runs `mpirun [flags] -np RANKS <this binary> ARGS...` and returns its exit status (0 on
// success). `extra_flags` go to mpirun as they are (e.g. "--bind-to none"). Prints the command
// on stderr prefixed with `who`.
int run_self_under_mpirun(int ranks, const std::vector<std::string>& args, const std::string& extra_flags,
                          const std::string& who);

}  // namespace kohort::cli
