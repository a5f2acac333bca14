// `kohort report OUTPUT`: rebuilds OUTPUT/report.html from a finished job's released files
// (contract section 5), with the same function the job uses, so the page is the same.
#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/help_texts.hpp"  // generated from src/cli/help/*.txt
#include "core/error.hpp"
#include "report/report.hpp"

namespace kohort::cli {
namespace po = boost::program_options;
namespace fs = std::filesystem;

int cmd_report(const Args& args, const Comm& comm) {
    CommandLine cmd("report", help::report);
    std::string folder, out_file;
    cmd.add_options()("out,o", po::value(&out_file),
                      "write the page here instead of OUTPUT/report.html ('-' for stdout)")(
        "output", po::value(&folder), "the job's output folder");
    cmd.positional("output");
    if (!cmd.parse(args, comm)) return 0;
    if (folder.empty()) throw UsageError("kohort report: no output folder given; usage: kohort report OUTPUT");
    if (!comm.is_root()) return 0;
    const std::string html = report::build_report_from_folder(folder);
    if (out_file == "-") {
        std::cout << html;
        return 0;
    }
    const std::string target = out_file.empty() ? (fs::path(folder) / report::kReportFile).string() : out_file;
    // Written beside the target and renamed, so a reader never sees half a page.
    const std::string temp = target + ".tmp";
    {
        std::ofstream f(temp, std::ios::binary | std::ios::trunc);
        if (!(f << html)) throw UsageError("kohort report: cannot write " + temp + " (is the folder writable?)");
    }
    if (std::rename(temp.c_str(), target.c_str()) != 0)
        throw UsageError("kohort report: cannot move the page into " + target);
    std::fprintf(stderr, "kohort: wrote %s\n", target.c_str());
    return 0;
}

}  // namespace kohort::cli
