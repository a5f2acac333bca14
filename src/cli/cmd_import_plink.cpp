// kohort import --plink PREFIX: PLINK 1 binary genotypes -> a genotype table (contract section 8;
// docs/format.md). Here --pseudonymise is a flag: the .fam IIDs are the CPR numbers.
#include <boost/program_options.hpp>
#include <iostream>

#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/help_texts.hpp"  // generated from src/cli/help/*.txt
#include "core/error.hpp"
#include "io/plink_import.hpp"
#include "io/root_only.hpp"

namespace po = boost::program_options;

namespace kohort::cli {

int cmd_import_plink(const Args& args, const Comm& comm) {
    CommandLine cmd("import", help::import_plink);
    cmd.add_options()
        ("plink", po::value<std::string>(), "PREFIX of PREFIX.bed, PREFIX.bim and PREFIX.fam")
        ("table", po::value<std::string>(), "name of the genotype table to write")
        ("store", po::value<std::string>(), "the HDF5 store (created if it does not exist)")
        ("pseudonymise", po::bool_switch(), "the .fam IIDs are CPR numbers: key them into pids")
        ("pseudonymize", po::bool_switch(), "same as --pseudonymise")
        ("key-file", po::value<std::string>(), "project key for --pseudonymise (see kohort keygen)")
        ("block-variants", po::value<std::int64_t>()->default_value(512), "variants per stored block (chunk)")
        ("replace", "replace the table if the store already has it");
    if (!cmd.parse(args, comm)) return 0;
    io::PlinkImportOptions o;
    for (const char* k : {"plink", "table", "store"})
        if (!cmd.count(k)) throw UsageError(std::string("kohort import --plink: missing --") + k + " (see --help)");
    o.prefix = cmd["plink"].as<std::string>();
    o.table_name = cmd["table"].as<std::string>();
    o.store_path = cmd["store"].as<std::string>();
    const bool pseudonymise = cmd["pseudonymise"].as<bool>() || cmd["pseudonymize"].as<bool>();
    if (pseudonymise && !cmd.count("key-file"))
        throw UsageError("kohort import --plink: --pseudonymise needs --key-file KEY (make one with kohort keygen)");
    if (!pseudonymise && cmd.count("key-file"))
        throw UsageError("kohort import --plink: --key-file is only used with --pseudonymise");
    if (pseudonymise) o.key_file = cmd["key-file"].as<std::string>();
    o.block_variants = cmd["block-variants"].as<std::int64_t>();
    if (o.block_variants < 1) throw UsageError("kohort import --plink: --block-variants must be at least 1");
    o.replace = cmd.count("replace") > 0;

    return io::run_on_root(comm, [&] {
        const io::PlinkImportReport r = io::run_plink_import(o);
        std::cout << "kohort import: " << r.samples << " samples x " << r.variants << " variants from " << o.prefix
                  << ".bed/.bim/.fam" << (pseudonymise ? " (IIDs pseudonymised)" : "") << "\nwrote genotype table '"
                  << o.table_name << "' to " << o.store_path << "\n"
                  << std::flush;
    });
}

}  // namespace kohort::cli
