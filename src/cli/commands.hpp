// One function per CLI command. Each gets the arguments after the command name, parses them with
// Boost.Program_options, prints its own --help, and returns the exit code. Errors are thrown as
// kohort::Error subclasses; main turns them into messages, exit codes and (under MPI) one abort.
#pragma once
#include <string>
#include <vector>

#include "mpi/comm.hpp"

namespace kohort::cli {

using Args = std::vector<std::string>;

int cmd_synth(const Args& args, const Comm& comm);    // src/cli/cmd_synth.cpp
int cmd_import(const Args& args, const Comm& comm);   // src/cli/cmd_import.cpp
int cmd_import_plink(const Args& args, const Comm& comm);  // src/cli/cmd_import_plink.cpp (import --plink)
int cmd_keygen(const Args& args, const Comm& comm);   // src/cli/cmd_keygen.cpp
int cmd_inspect(const Args& args, const Comm& comm);  // src/cli/cmd_inspect.cpp
int cmd_run(const Args& args, const Comm& comm);      // src/cli/cmd_run.cpp
int cmd_submit(const Args& args, const Comm& comm);   // src/cli/cmd_submit.cpp
int cmd_demo(const Args& args, const Comm& comm);     // src/cli/cmd_demo.cpp
int cmd_audit(const Args& args, const Comm& comm);    // src/cli/cmd_audit.cpp
int cmd_report(const Args& args, const Comm& comm);   // src/cli/cmd_report.cpp
int cmd_node_check(const Args& args, const Comm& comm);  // src/cli/cmd_node_check.cpp
int cmd_kinds(const Args& args, const Comm& comm);    // src/cli/cmd_kinds.cpp

}  // namespace kohort::cli
