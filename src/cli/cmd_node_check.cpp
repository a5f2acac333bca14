// `kohort node-check [--store PATH]`: for admins. Checks that MPI starts across the ranks and that
// parallel HDF5 reads a store, measures what decides kohort's speed on this node (memory
// bandwidth, a model pass at several ranks x threads splits, allreduce latency and bandwidth) and
// recommends ranks per node and threads per rank. docs/admin.md, "Node check", explains each figure.
#include <boost/program_options.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/help_texts.hpp"  // generated from src/cli/help/*.txt
#include "cli/local_mpirun.hpp"
#include "cli/node_check.hpp"
#include "core/error.hpp"

namespace kohort::cli {
namespace po = boost::program_options;
namespace nc = node_check;

namespace {

struct Split {
    int ranks = 1, threads = 1;
    double seconds = 0;
};

// Ranks per node to try: 1, 2, 4, ... up to the ranks started per node, and that count itself;
// each gets the node's cores shared out as threads.
std::vector<Split> splits_to_try(const nc::Layout& l) {
    std::vector<Split> s;
    for (int r = 1; r <= l.ranks_per_node; r *= 2) s.push_back({r, std::max(1, l.cores_per_node / r)});
    if (s.back().ranks != l.ranks_per_node) s.push_back({l.ranks_per_node, std::max(1, l.cores_per_node / l.ranks_per_node)});
    return s;
}

// The fastest split; one with fewer ranks wins when within 5% (fewer ranks per node means fewer
// copies of per-rank state and smaller collectives for the same speed).
const Split& best_split(const std::vector<Split>& splits) {
    const Split* best = &splits.front();
    for (const auto& s : splits)
        if (s.seconds < best->seconds) best = &s;
    for (const auto& s : splits)
        if (s.ranks < best->ranks && s.seconds <= best->seconds * 1.05) return s;
    return *best;
}

double since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int cmd_node_check(const Args& args, const Comm& comm) {
    CommandLine cmd("node-check", help::node_check);
    std::string store;
    int ranks = static_cast<int>(std::max(2L, ::sysconf(_SC_NPROCESSORS_ONLN)));
    long rows = 1000000;
    int columns = 16;
    cmd.add_options()(
        "store", po::value(&store),
        "an existing store to read, or a folder to write a small test store in (default: $TMPDIR)")(
        "ranks", po::value(&ranks)->default_value(ranks), "local MPI ranks to start when run on its own (default: CPUs)")(
        "rows", po::value(&rows)->default_value(rows), "rows per node of the synthetic model pass")(
        "columns", po::value(&columns)->default_value(columns), "columns of the synthetic model pass")(
        "no-launch", "measure on the ranks already running (do not start mpirun)");
    if (!cmd.parse(args, comm)) return 0;
    if (ranks < 1) throw UsageError("kohort node-check: --ranks must be at least 1, not " + std::to_string(ranks));
    if (rows < 1000) throw UsageError("kohort node-check: --rows must be at least 1000, not " + std::to_string(rows));
    if (columns < 2 || columns > 512) throw UsageError("kohort node-check: --columns must be 2 to 512, not " + std::to_string(columns));

    if (!store.empty() && !std::filesystem::is_regular_file(store) && !std::filesystem::is_directory(store))
        throw UsageError("kohort node-check: --store '" + store +
                         "' is neither a store file nor a folder; expected an existing .h5 store to read, or a folder to write a test store in");
    if (comm.size() == 1 && ranks > 1 && !cmd.count("no-launch")) {
        if (!have_mpirun())
            throw UsageError("kohort node-check: mpirun is not on PATH; install Open MPI or run with --ranks 1");
        std::vector<std::string> inner = {"node-check", "--no-launch", "--rows", std::to_string(rows), "--columns", std::to_string(columns)};
        if (!store.empty()) inner.insert(inner.end(), {"--store", store});
        // Unbound, so a rank's threads may use every core (Open MPI binds ranks to cores by default).
        const int rc = run_self_under_mpirun(ranks, inner, "--bind-to none", "kohort node-check");
        if (rc != 0)
            throw InternalError("MPI did not start " + std::to_string(ranks) +
                                " local ranks (mpirun exit " + std::to_string(rc) + "); see the messages above");
        return 0;
    }

    const auto start = std::chrono::steady_clock::now();
    auto say = [&](const std::string& s) {
        if (comm.is_root()) std::printf("%s\n", s.c_str()), std::fflush(stdout);
    };
    char buf[512];

    const nc::Layout l = nc::mpi_layout(comm);
    std::string hosts;
    for (const auto& h : l.host_names) hosts += (hosts.empty() ? "" : ", ") + h;
    say("kohort node-check: " + std::to_string(l.ranks) + " rank(s) on " + std::to_string(l.hosts) + " node(s); " +
        std::to_string(l.cores_per_node) + " CPU(s) per node");
    std::snprintf(buf, sizeof buf, "  %-15s ok: %d rank(s) started and joined a collective on %s (%d per node)", "MPI", l.ranks,
                  hosts.c_str(), l.ranks_per_node);
    say(buf);

    const nc::StoreFigures sf = nc::store_figures(comm, store);
    std::string written = sf.written ? "wrote a test store " + sf.path + " in " : "read " + sf.path;
    if (sf.written) {
        std::snprintf(buf, sizeof buf, "%.2f s, removed it after", sf.write_seconds);
        written += buf;
    }
    std::snprintf(buf, sizeof buf, "  %-15s ok: %s; read table '%s' (%lld rows, %.1f MB) on %d rank(s) in %.3f s (%.0f MB/s)",
                  "parallel HDF5", written.c_str(), sf.table.c_str(), sf.rows, sf.bytes / 1e6, l.ranks, sf.read_seconds,
                  sf.read_seconds > 0 ? sf.bytes / sf.read_seconds / 1e6 : 0.0);
    say(buf);

    const int triad_threads = std::max(1, l.cores_per_node / l.ranks_per_node);
    const double triad = nc::stream_triad_gbs(comm, l, triad_threads, 3.0 * 128e6);
    std::snprintf(buf, sizeof buf, "  %-15s STREAM triad %.1f GB/s per node (%d rank(s) x %d thread(s) per node, 384 MB of arrays)",
                  "memory", triad, l.ranks_per_node, triad_threads);
    say(buf);

    std::vector<Split> splits = splits_to_try(l);
    std::snprintf(buf, sizeof buf, "  %-15s one IRLS pass of a logistic GLM, %ld rows x %d columns per node:", "model pass", rows, columns);
    say(buf);
    say("                    ranks x threads per node    seconds    rows/s per node");
    for (auto& s : splits) {
        s.seconds = nc::glm_pass_seconds(comm, l, s.ranks, s.threads, rows, columns);
        std::snprintf(buf, sizeof buf, "                    %5d x %-7d             %8.4f    %.3g", s.ranks, s.threads, s.seconds,
                      static_cast<double>(rows) / s.seconds);
        say(buf);
    }

    const nc::AllreduceFigures ar = nc::allreduce_figures(comm);
    std::snprintf(buf, sizeof buf,
                  "  %-15s latency %.1f us (one double); %.0f MiB: %.2f GB/s algorithm bandwidth, %.2f GB/s bus bandwidth (%d rank(s))",
                  "allreduce", ar.latency_us, ar.bytes / 1048576.0, ar.algbw_gbs, ar.busbw_gbs, l.ranks);
    say(buf);

    const Split& best = best_split(splits);
    const Split& fastest = *std::min_element(splits.begin(), splits.end(),
                                             [](const Split& a, const Split& b) { return a.seconds < b.seconds; });
    std::string why = "the fastest model pass above";
    if (&best != &fastest) {
        std::snprintf(buf, sizeof buf, "within 5%% of the fastest pass, %d x %d, with fewer ranks: fewer per-rank copies, smaller collectives",
                      fastest.ranks, fastest.threads);
        why = buf;
    }
    if (l.ranks_per_node < l.cores_per_node) why += "; start more ranks to try more splits";
    std::snprintf(buf, sizeof buf, "\nRecommendation: %d rank(s) per node x %d thread(s) per rank (%s).", best.ranks, best.threads,
                  why.c_str());
    say(buf);
    std::snprintf(buf, sizeof buf,
                  "\n; kohort node-check on %s: site configuration for kohort jobs on nodes like this one.\n"
                  "; Put it in job files (or the site's job template); 'kohort submit' reads [slurm], 'kohort run' [job].\n"
                  "[slurm]\nntasks-per-node = %d\ncpus-per-task   = %d\n[job]\nthreads         = %d\n"
                  "; without Slurm: mpirun -np %d --bind-to none kohort run JOB.ini",
                  hosts.c_str(), best.ranks, best.threads, best.threads, best.ranks * l.hosts);
    say(buf);
    std::snprintf(buf, sizeof buf, "\nnode-check took %.1f s", since(start));
    say(buf);
    return 0;
}

}  // namespace kohort::cli
