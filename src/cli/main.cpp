// kohort's entry point. MPI_Init/MPI_Finalize and MPI_Abort stay here, explicit (LightGBM's
// pattern): an exception on any rank prints its rank and message and aborts every rank, so a job
// never hangs with one rank dead and the others waiting in a collective.
#include <mpi.h>

#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <string>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/version.hpp"
#include "mpi/comm.hpp"
#include "mpi/init.hpp"
#include "mpi/transport.hpp"

namespace {

using Command = int (*)(const kohort::cli::Args&, const kohort::Comm&);

struct CommandEntry {
    Command fn;
    const char* summary;
};

const std::map<std::string, CommandEntry>& commands() {
    using namespace kohort::cli;
    static const std::map<std::string, CommandEntry> table = {
        {"synth", {cmd_synth, "write a synthetic registry cohort with planted effects"}},
        {"import", {cmd_import, "read a CSV file into a table of a store (optionally pseudonymising CPR numbers)"}},
        {"keygen", {cmd_keygen, "write a new random project key for pseudonymisation"}},
        {"inspect", {cmd_inspect, "list a store's tables, columns, types and missing counts"}},
        {"run", {cmd_run, "run a job file (standalone, under mpirun, or under srun)"}},
        {"submit", {cmd_submit, "render a Slurm batch script for a job and submit it with sbatch"}},
        {"audit", {cmd_audit, "verify the audit log's hash chain, or print the transparency report"}},
        {"demo", {cmd_demo, "synthesise a cohort and run the bundled statin/MI study on local MPI ranks"}},
        {"report", {cmd_report, "rebuild OUTPUT/report.html from a finished job's released files"}},
        {"node-check", {cmd_node_check, "for admins: check MPI and parallel HDF5 here, measure, recommend ranks x threads"}},
        {"kinds", {cmd_kinds, "list the model kinds and every key each section of a job file takes"}},
    };
    return table;
}

void print_usage(std::FILE* out) {
    std::fprintf(out,
                 "kohort %s - batch analytics on pseudonymised registry cohorts with MPI\n\n"
                 "Usage: kohort COMMAND [OPTIONS]\n       kohort COMMAND --help\n\nCommands:\n",
                 kohort::kVersion);
    for (const auto& [name, entry] : commands()) std::fprintf(out, "  %-10s %s\n", name.c_str(), entry.summary);
    std::fprintf(out,
                 "\nExamples:\n"
                 "  kohort demo\n"
                 "  kohort synth --persons 100000 --seed 1 --out cohort.h5\n"
                 "  kohort inspect cohort.h5\n"
                 "  mpirun -np 4 kohort run jobs/demo_statin_mi.ini --set job.output=out/demo\n"
                 "  kohort submit jobs/demo_statin_mi.ini --nodes 2 --ntasks-per-node 4 --dry-run\n"
                 "\nExit codes: 0 success, 1 internal error, 2 bad usage or input, 3 refused by governance.\n"
                 "Documentation: docs/ (README.md, docs/jobs.md, docs/results.md, docs/admin.md).\n");
}

// Column buffers and design matrices are hundreds of MB, each page written once; on virtual
// machines every 4 KiB page fault is costly (a third of a Cox fit's wall time at 4M rows was
// page faults). glibc's malloc backs large blocks with transparent huge pages when the tunable
// glibc.malloc.hugetlb=1 is set (glibc >= 2.35, THP mode "madvise" or "always"), but it reads
// tunables only at start-up, so kohort re-executes itself once with the tunable added, before
// MPI_Init (the process id, and so the launcher's view of it, stays the same).
// KOHORT_HUGEPAGES=0 turns this off (docs/admin.md).
void reexec_with_huge_pages(char** argv) {
    const char* off = std::getenv("KOHORT_HUGEPAGES");
    if (off && std::strcmp(off, "0") == 0) return;
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    const std::string current = tunables ? tunables : "";
    if (current.find("glibc.malloc.hugetlb") != std::string::npos) return;  // set already (or by us)
    const std::string wanted = current.empty() ? "glibc.malloc.hugetlb=1" : current + ":glibc.malloc.hugetlb=1";
    if (::setenv("GLIBC_TUNABLES", wanted.c_str(), 1) != 0) return;
    ::execv("/proc/self/exe", argv);
    // exec failed (no /proc, say): go on with ordinary pages, without the tunable in children's env.
    if (tunables) ::setenv("GLIBC_TUNABLES", tunables, 1);
    else ::unsetenv("GLIBC_TUNABLES");
}

// Blocks of 4 MiB and more (a column of half a million rows) are mapped for themselves and handed
// back to the kernel when freed. glibc's default threshold starts at 128 KiB and rises to the size
// of any mapped block freed (up to 32 MiB), after which per-row vectors of a few million rows come
// from the heap, and the heap keeps their pages when they are freed: in a 4M-row Cox fit 130 of the
// heap's 204 MiB were free but resident, a quarter of the rank's peak. Pages handed back are
// reused by the next large block at memory speed (docs/benchmarks-cox.md, "Fresh memory").
void map_large_blocks() { mallopt(M_MMAP_THRESHOLD, 4 << 20); }

}  // namespace

int main(int argc, char** argv) {
    reexec_with_huge_pages(argv);
    map_large_blocks();
    std::string init_problem;
    {
        const kohort::SingleNodeTransport transport;  // pml ob1 on one node, for MPI_Init only
        init_problem = kohort::init_mpi_funneled(&argc, &argv);
    }
    if (!init_problem.empty()) {
        std::fprintf(stderr, "kohort: error: %s\n", init_problem.c_str());
        kohort::abort_after_failed_init(1);
    }
    int exit_code = 0;
    {
        kohort::Comm comm(MPI_COMM_WORLD);
        std::string name = argc > 1 ? argv[1] : "";
        try {
            if (name.empty() || name == "--help" || name == "-h" || name == "help") {
                if (comm.is_root()) print_usage(stdout);
                exit_code = name.empty() ? 2 : 0;
            } else if (name == "--version" || name == "-V") {
                if (comm.is_root()) std::printf("kohort %s\n", kohort::kVersion);
            } else {
                auto it = commands().find(name);
                if (it == commands().end())
                    throw kohort::UsageError("unknown command '" + name + "'; run 'kohort --help' to list commands");
                kohort::cli::Args args(argv + 2, argv + argc);
                exit_code = it->second.fn(args, comm);
            }
        } catch (const kohort::Error& e) {
            exit_code = static_cast<int>(e.code());
            if (comm.size() > 1)
                std::fprintf(stderr, "kohort: error on rank %d of %d: %s\n", comm.rank(), comm.size(), e.what());
            else
                std::fprintf(stderr, "kohort: error: %s\n", e.what());
        } catch (const std::exception& e) {
            exit_code = 1;
            std::fprintf(stderr, "kohort: internal error on rank %d of %d: %s\n", comm.rank(), comm.size(),
                         e.what());
        }
        std::fflush(stdout);
        std::fflush(stderr);
        // One failing rank must end all of them, since the others may wait in a collective forever.
        // A preempted job stopped on every rank at the same safe point (mpi/preemption.hpp): no abort.
        if (exit_code != 0 && comm.size() > 1 && exit_code != static_cast<int>(kohort::ExitCode::preempted))
            comm.abort(exit_code);
    }
    if (MPI_Finalize() != MPI_SUCCESS && exit_code == 0) {
        std::fprintf(stderr, "kohort: internal error: MPI_Finalize failed\n");
        exit_code = 1;
    }
    return exit_code;
}
