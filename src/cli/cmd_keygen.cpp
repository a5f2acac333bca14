// kohort keygen --out KEY: a new random project key (docs/import.md, "Project keys").
#include <boost/program_options.hpp>
#include <iostream>

#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/help_texts.hpp"  // generated from src/cli/help/*.txt
#include "core/error.hpp"
#include "io/project_key.hpp"
#include "io/root_only.hpp"

namespace po = boost::program_options;

namespace kohort::cli {

int cmd_keygen(const Args& args, const Comm& comm) {
    CommandLine cmd("keygen", help::keygen);
    cmd.add_options()("out,o", po::value<std::string>(), "the key file to create");
    if (!cmd.parse(args, comm)) return 0;
    if (!cmd.count("out")) throw UsageError("kohort keygen: --out KEY is required; run 'kohort keygen --help'");
    const std::string out = cmd["out"].as<std::string>();
    return io::run_on_root(comm, [&] {
        io::write_new_project_key(out);
        std::cout << "kohort keygen: wrote a new " << io::kKeygenBytes << "-byte project key to " << out
                  << " (mode 600). Keep it secret and back it up.\n";
    });
}

}  // namespace kohort::cli
