// `kohort synth --persons N --seed S --out STORE.h5 [--genotypes M]` (contract sections 2 and 6).
#include <sys/resource.h>

#include <boost/program_options.hpp>
#include <charconv>
#include <cstdio>
#include <iostream>

#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/help_texts.hpp"  // generated from src/cli/help/*.txt
#include "core/error.hpp"
#include "synth/synth.hpp"

namespace kohort::cli {
namespace po = boost::program_options;

namespace {

// Whole numbers only ("1000000"): program_options would wrap "-1" into a huge unsigned seed.
template <typename T>
T parse_whole(const std::string& option, const std::string& text, T min) {
    T value{};
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || value < min)
        throw UsageError("kohort synth: --" + option + " expects a whole number of at least " + std::to_string(min) +
                         "; got '" + text + "'");
    return value;
}

std::int64_t peak_rss_bytes() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<std::int64_t>(u.ru_maxrss) * 1024;  // Linux reports kilobytes
}

}  // namespace

int cmd_synth(const Args& args, const Comm& comm) {
    CommandLine cmd("synth", help::synth);
    std::string persons, seed, out, genotypes = "0";
    cmd.add_options()("persons", po::value<std::string>(&persons), "number of persons (required)")(
        "seed", po::value<std::string>(&seed), "random seed, 0 to 2^64-1 (required)")(
        "out", po::value<std::string>(&out), "store file to write; replaced if it exists (required)")(
        "genotypes", po::value<std::string>(&genotypes),
        "number of SNP dosage columns for a 10% subset of persons (default 0: none)")(
        "quiet,q", "no progress lines on stderr");
    if (!cmd.parse(args, comm)) return 0;
    for (const char* required : {"persons", "seed", "out"})
        if (!cmd.count(required))
            throw UsageError(std::string("kohort synth: --") + required +
                             " is required; usage: kohort synth --persons N --seed S --out STORE.h5");
    if (out.empty()) throw UsageError("kohort synth: --out is empty; expected a file name such as cohort.h5");

    synth::SynthConfig config;
    config.persons = parse_whole<std::int64_t>("persons", persons, 1);
    config.seed = parse_whole<std::uint64_t>("seed", seed, 0);
    config.genotypes = parse_whole<std::int64_t>("genotypes", genotypes, 0);
    config.progress = cmd.count("quiet") == 0;

    const synth::SynthSummary s = synth::write_synthetic_store(out, config, comm);
    const std::vector<std::int64_t> rss = comm.allgatherv(std::vector<std::int64_t>{peak_rss_bytes()});
    if (comm.is_root()) {
        const std::int64_t rows = s.population_rows + s.diagnosis_rows + s.prescription_rows + s.genotype_rows;
        std::printf("wrote %s: population %lld, diagnoses %lld, prescriptions %lld", out.c_str(),
                    static_cast<long long>(s.population_rows), static_cast<long long>(s.diagnosis_rows),
                    static_cast<long long>(s.prescription_rows));
        if (config.genotypes > 0) std::printf(", genotypes %lld", static_cast<long long>(s.genotype_rows));
        std::printf(" rows in %.2f s (%.2fM rows/s on %d rank(s))\npeak RSS per rank (MiB):", s.seconds,
                    static_cast<double>(rows) / s.seconds / 1e6, comm.size());
        for (std::int64_t b : rss) std::printf(" %.0f", static_cast<double>(b) / (1024.0 * 1024.0));
        std::printf("\n");
    }
    return 0;
}

}  // namespace kohort::cli
