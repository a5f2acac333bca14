// The argument handling every command shares: its --help page, parsing with
// Boost.Program_options, --help printed on rank 0, and a parse error turned into a UsageError that
// points at the command's --help.
#pragma once
#include <boost/program_options.hpp>
#include <string>

#include "cli/commands.hpp"

namespace kohort::cli {

// One command's command line. The --help page is `help` (usage lines and what the command does,
// kept as text in src/cli/help/), then "Options:" with --help first and the command's own options.
//
//   CommandLine cmd("report", help::report);  // src/cli/help/report.txt, via cli/help_texts.hpp
//   cmd.add_options()("out,o", po::value(&out), "...")("output", po::value(&folder), "...");
//   cmd.positional("output");
//   if (!cmd.parse(args, comm)) return 0;  // --help was printed
class CommandLine {
public:
    // `command` names the command in messages ("audit verify").
    CommandLine(std::string command, const std::string& help);
    // Declares the command's options, as options_description::add_options() does.
    boost::program_options::options_description_easy_init add_options() { return options_.add_options(); }
    // The first free argument is option `name` (declared with add_options).
    void positional(const char* name) { positional_.add(name, 1); }
    // Parses args. Returns false when --help was asked for (the page is printed on rank 0): the
    // command then returns 0. Throws UsageError on a malformed command line.
    bool parse(const Args& args, const Comm& comm);
    // The parsed values, after parse().
    std::size_t count(const std::string& name) const { return values_.count(name); }
    const boost::program_options::variable_value& operator[](const std::string& name) const { return values_[name]; }

private:
    std::string command_;
    boost::program_options::options_description options_;
    boost::program_options::positional_options_description positional_;
    boost::program_options::variables_map values_;
};

}  // namespace kohort::cli
