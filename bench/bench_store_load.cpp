// Load benchmark for the store (bench/bench_load.sh drives it):
//   mpirun -np R bench_store_load write STORE.h5 ROWS   collective write of a pid table `events`
//   mpirun -np R bench_store_load read  STORE.h5        collective read of every rank's share
// The table looks like a register: pid (int64), date (date), atc (categorical, 400 levels),
// ddd (double); 24 bytes per row. About 20 rows per person, pids spread over the whole pid space.
// Prints one line per phase: rows, bytes, seconds, GB/s (all ranks' bytes / slowest rank's time)
// and each rank's peak resident memory (getrusage ru_maxrss).
#include <mpi.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/error.hpp"
#include "store/store.hpp"

using namespace kohort;

namespace {

constexpr int kRowsPerPerson = 20;

Table my_share(std::int64_t rows, int rank, int ranks) {
    // Rank r writes rows [rows*r/R, rows*(r+1)/R) with pids spaced evenly over its bucket range.
    const std::int64_t n = rows * (rank + 1) / ranks - rows * rank / ranks;
    const std::int64_t lo = first_bucket(rank, ranks) << (63 - kBucketBits);
    const std::int64_t hi = first_bucket(rank + 1, ranks) << (63 - kBucketBits);
    const std::int64_t persons = std::max<std::int64_t>(1, n / kRowsPerPerson);
    const std::int64_t step = (hi - lo) / persons;
    Table t;
    t.name = "events";
    t.partitioned_by_pid = true;
    Column pid("pid", ColumnType::Int64), date("date", ColumnType::Date), atc("atc", ColumnType::Categorical),
        ddd("ddd", ColumnType::Double);
    for (int k = 0; k < 400; ++k) atc.dictionary.push_back("A" + std::to_string(10 + k / 40) + "BA" + std::to_string(k));
    pid.i64.resize(n);
    date.i32.resize(n);
    atc.i32.resize(n);
    ddd.f64.resize(n);
    for (std::int64_t i = 0; i < n; ++i) {
        pid.i64[i] = lo + (i / kRowsPerPerson) * step;
        date.i32[i] = static_cast<std::int32_t>(9131 + (i * 7919) % 9496);  // 1995-01-01 .. 2020
        atc.i32[i] = static_cast<std::int32_t>((i * 31) % 400);
        ddd.f64[i] = (i % 1000) / 10.0;
    }
    t.add(std::move(pid));
    t.add(std::move(date));
    t.add(std::move(atc));
    t.add(std::move(ddd));
    return t;
}

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

long peak_rss_kib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

// GB/s is all ranks' bytes over the slowest rank's wall time. On a shared, oversubscribed machine
// wall time mostly measures waiting for a core, so the CPU time (user + system) of the busiest rank
// is printed too: bytes per CPU-second is what a rank with a core of its own would reach.
void report(const Comm& comm, const char* phase, std::int64_t rows, std::int64_t bytes, double seconds,
            double cpu) {
    const std::int64_t all_rows = comm.allreduce(rows);
    const std::int64_t all_bytes = comm.allreduce(bytes);
    const double slowest = comm.allreduce(seconds, ReduceOp::max);
    const double busiest_cpu = comm.allreduce(cpu, ReduceOp::max);
    std::vector<std::int64_t> rss(static_cast<std::size_t>(comm.size()), 0);
    rss[static_cast<std::size_t>(comm.rank())] = peak_rss_kib();
    comm.allreduce(rss);
    if (!comm.is_root()) return;
    std::printf("%s ranks=%d rows=%lld bytes=%lld seconds=%.3f GB/s=%.2f Mrows/s=%.1f cpu_seconds=%.3f "
                "GB/s_per_node_at_full_cpu=%.2f peak_rss_MiB=",
                phase, comm.size(), static_cast<long long>(all_rows), static_cast<long long>(all_bytes), slowest,
                static_cast<double>(all_bytes) / slowest / 1e9, static_cast<double>(all_rows) / slowest / 1e6,
                busiest_cpu, static_cast<double>(all_bytes) / busiest_cpu / 1e9);
    for (std::size_t r = 0; r < rss.size(); ++r) std::printf("%s%.0f", r ? "," : "", static_cast<double>(rss[r]) / 1024.0);
    std::printf("\n");
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int rc = 0;
    try {
        Comm comm;
        if (argc < 3 || (std::strcmp(argv[1], "write") == 0 && argc < 4))
            throw UsageError("usage: bench_store_load write STORE.h5 ROWS | bench_store_load read STORE.h5");
        const std::string path = argv[2];
        if (std::strcmp(argv[1], "write") == 0) {
            const Table t = my_share(std::stoll(argv[3]), comm.rank(), comm.size());
            comm.barrier();
            const double cpu0 = cpu_seconds();
            const auto t0 = std::chrono::steady_clock::now();
            Store s = Store::create(path, &comm);
            s.write(t, comm);
            s.close();
            comm.barrier();
            report(comm, "write", static_cast<std::int64_t>(t.rows()), static_cast<std::int64_t>(t.rows()) * 24,
                   seconds_since(t0), cpu_seconds() - cpu0);
        } else {
            // "read": MPI-IO, collective transfers. "read-serial": every rank opens the file on its
            // own (POSIX sec2 driver) and reads the same share independently.
            const bool mpi = std::strcmp(argv[1], "read") == 0;
            comm.barrier();
            const double cpu0 = cpu_seconds();
            const auto t0 = std::chrono::steady_clock::now();
            Store s = Store::open(path, mpi ? &comm : nullptr);
            const double open_sec = seconds_since(t0);
            const Table t = s.read("events", comm);
            comm.barrier();
            const double sec = seconds_since(t0);
            report(comm, argv[1], static_cast<std::int64_t>(t.rows()), s.bytes_read(), sec, cpu_seconds() - cpu0);
            if (comm.is_root()) std::printf("  (open took %.3f s on rank 0)\n", open_sec);
        }
    } catch (const Error& e) {
        std::fprintf(stderr, "bench_store_load: %s\n", e.what());
        rc = static_cast<int>(e.code());
    }
    MPI_Finalize();
    return rc;
}
