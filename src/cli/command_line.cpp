#include "cli/command_line.hpp"

#include <iostream>

#include "core/error.hpp"

namespace kohort::cli {
namespace po = boost::program_options;

bool parse_command_line(const std::string& command, const Args& args, const po::options_description& options,
                        const po::positional_options_description* positional, po::variables_map& vm,
                        const Comm& comm) {
    try {
        po::command_line_parser parser(args);
        parser.options(options);
        if (positional) parser.positional(*positional);
        po::store(parser.run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError("kohort " + command + ": " + e.what() + "; see 'kohort " + command + " --help'");
    }
    if (vm.count("help")) {
        if (comm.is_root()) std::cout << options << "\n";
        return false;
    }
    return true;
}

}  // namespace kohort::cli
