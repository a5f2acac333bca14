// The argument handling every command shares: parse with Boost.Program_options, print --help on
// rank 0, and turn a parse error into a UsageError that points at the command's --help.
#pragma once
#include <boost/program_options.hpp>
#include <string>

#include "cli/commands.hpp"

namespace kohort::cli {

// Returns false when --help was asked for (the help is printed): the command then returns 0.
// `positional` may be null.
bool parse_command_line(const std::string& command, const Args& args,
                        const boost::program_options::options_description& options,
                        const boost::program_options::positional_options_description* positional,
                        boost::program_options::variables_map& vm, const Comm& comm);

}  // namespace kohort::cli
