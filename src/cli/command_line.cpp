#include "cli/command_line.hpp"

#include <iostream>
#include <utility>

#include "core/error.hpp"

namespace kohort::cli {
namespace po = boost::program_options;

CommandLine::CommandLine(std::string command, const std::string& help)
    : command_(std::move(command)), options_(help + "\n\nOptions") {
    options_.add_options()("help,h", "show this help");
}

bool CommandLine::parse(const Args& args, const Comm& comm) {
    try {
        po::command_line_parser parser(args);
        parser.options(options_);
        if (positional_.max_total_count() > 0) parser.positional(positional_);
        po::store(parser.run(), values_);
        po::notify(values_);
    } catch (const po::error& e) {
        throw UsageError("kohort " + command_ + ": " + e.what() + "; see 'kohort " + command_ + " --help'");
    }
    if (values_.count("help")) {
        if (comm.is_root()) std::cout << options_ << "\n";
        return false;
    }
    return true;
}

}  // namespace kohort::cli
