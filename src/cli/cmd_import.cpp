// kohort import: CSV -> store table (contract section 3; rules in docs/import.md).
#include <boost/program_options.hpp>
#include <iostream>

#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/help_texts.hpp"  // generated from src/cli/help/*.txt
#include "core/error.hpp"
#include "io/csv_reader.hpp"
#include "io/import.hpp"
#include "io/root_only.hpp"

namespace po = boost::program_options;

namespace kohort::cli {

int cmd_import(const Args& args, const Comm& comm) {
    for (const auto& a : args)
        if (a == "--plink" || a.rfind("--plink=", 0) == 0) return cmd_import_plink(args, comm);
    CommandLine cmd("import", help::import);
    cmd.add_options()
        ("csv", po::value<std::string>(), "the CSV file to read")
        ("table", po::value<std::string>(), "name of the table to write")
        ("store", po::value<std::string>(), "the HDF5 store (created if it does not exist)")
        ("delimiter", po::value<std::string>(), "',', ';' or tab; default: detected from the header line")
        ("decimal", po::value<std::string>()->default_value("."), "decimal separator: '.' or ',' (Danish)")
        ("schema", po::value<std::string>(), "INI file whose [columns] section sets column types (name = date)")
        ("pseudonymise", po::value<std::string>(), "COLUMN holds CPR numbers: replace it by an int64 'pid'")
        ("pseudonymize", po::value<std::string>(), "same as --pseudonymise")
        ("key-file", po::value<std::string>(), "project key for --pseudonymise (see kohort keygen)")
        ("replace", "replace the table if the store already has it");
    if (!cmd.parse(args, comm)) return 0;
    io::ImportOptions o;
    auto get = [&](const char* k) { return cmd.count(k) ? cmd[k].as<std::string>() : std::string(); };
    o.csv_path = get("csv");
    o.table_name = get("table");
    o.store_path = get("store");
    if (cmd.count("delimiter")) o.delimiter = io::parse_delimiter_option(get("delimiter"));
    const std::string decimal = get("decimal");
    if (decimal != "." && decimal != ",")
        throw UsageError("kohort import: --decimal '" + decimal + "' is not supported; expected '.' or ','");
    o.decimal = decimal[0];
    if (cmd.count("schema")) o.schema_path = get("schema");
    if (cmd.count("pseudonymise") && cmd.count("pseudonymize"))
        throw UsageError("kohort import: give --pseudonymise once");
    if (cmd.count("pseudonymise")) o.pseudonymise_column = get("pseudonymise");
    if (cmd.count("pseudonymize")) o.pseudonymise_column = get("pseudonymize");
    if (cmd.count("key-file")) o.key_file = get("key-file");
    o.replace = cmd.count("replace") > 0;
    io::validate_import_options(o);

    return io::run_on_root(comm, [&] {
        const io::ImportReport report = io::run_import(o);
        std::cout << io::format_import_report(o, report) << std::flush;
    });
}

}  // namespace kohort::cli
