// `kohort inspect STORE.h5 [--table NAME] [--json]`: a store's tables, rows, columns, types and
// missing counts. Metadata only: it never prints rows or dictionary labels.
#include <boost/program_options.hpp>
#include <iostream>

#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/help_texts.hpp"  // generated from src/cli/help/*.txt
#include "core/error.hpp"
#include "io/root_only.hpp"
#include "store/inspect_report.hpp"
#include "store/store.hpp"

namespace kohort::cli {
namespace po = boost::program_options;

int cmd_inspect(const Args& args, const Comm& comm) {
    CommandLine cmd("inspect", help::inspect);
    std::string store_path, table;
    cmd.add_options()("table,t", po::value<std::string>(&table), "show only this table")(
        "check", "also read every value and check it against the format (categorical codes within their "
                  "dictionaries, bools, pid order); exit 2 naming store, table and column at the first fault")(
        "json", "print JSON: {\"store\", \"tables\": [{\"name\", \"rows\", \"partitioning\", \"bytes\", "
                "\"columns\": [{\"name\", \"type\", \"missing\", \"levels\"}]}]}")(
        "store", po::value<std::string>(&store_path), "the store file");
    cmd.positional("store");
    if (!cmd.parse(args, comm)) return 0;
    if (store_path.empty())
        throw UsageError("kohort inspect: no store file given; usage: kohort inspect STORE.h5 [--table NAME]");
    // Metadata is tiny: rank 0 opens the file on its own and prints; other ranks wait for it.
    return io::run_on_root(comm, [&] {
        const Store store = Store::open(store_path, nullptr);
        const StoreReport report =
            inspect_store(store, cmd.count("table") ? std::optional<std::string>(table) : std::nullopt);
        if (cmd.count("check")) check_store_values(store, report);
        if (cmd.count("json"))
            std::cout << render_report_json(report).dump(2) << "\n";
        else
            std::cout << render_report_text(report);
    });
}

}  // namespace kohort::cli
