#include "cli/node_check.hpp"

#include <mpi.h>
#include <omp.h>
#include <unistd.h>

#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <set>
#include <thread>

#include "kernels/regression/glm_family.hpp"
#include "kernels/regression/glm_pass.hpp"
#include "store/store.hpp"
#include "synth/synth.hpp"

namespace kohort::cli::node_check {
namespace fs = std::filesystem;
namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// A uniform number in [0, 1) from an index (splitmix64): synthetic data without a shared RNG state,
// so threads fill rows independently.
double uniform(std::uint64_t i) {
    std::uint64_t z = i + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * 0x1.0p-53;
}

int node_local_rank(const Comm& comm, int* local_size) {
    MPI_Comm node;
    MPI_Comm_split_type(comm.raw(), MPI_COMM_TYPE_SHARED, comm.rank(), MPI_INFO_NULL, &node);
    int r = 0;
    MPI_Comm_rank(node, &r);
    MPI_Comm_size(node, local_size);
    MPI_Comm_free(&node);
    return r;
}

}  // namespace

Layout mpi_layout(const Comm& comm) {
    Layout l;
    l.ranks = comm.size();
    int local_size = 1;
    l.local_rank = node_local_rank(comm, &local_size);
    l.ranks_per_node = comm.allreduce(local_size, ReduceOp::max);
    char host[256] = {0};
    ::gethostname(host, sizeof host - 1);
    const auto hosts = comm.allgather_strings({host});
    const std::set<std::string> distinct(hosts.begin(), hosts.end());
    l.host_names.assign(distinct.begin(), distinct.end());
    l.hosts = static_cast<int>(distinct.size());
    // Under Slurm the job's share of the node; otherwise every online CPU.
    long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
    if (const char* s = std::getenv("SLURM_CPUS_ON_NODE"); s && std::atol(s) > 0) cores = std::atol(s);
    l.cores_per_node = comm.allreduce(static_cast<int>(std::max(1L, cores)), ReduceOp::min);
    return l;
}

void quiet_barrier(const Comm& comm) {
    MPI_Request req;
    MPI_Ibarrier(comm.raw(), &req);
    for (int done = 0;;) {
        MPI_Test(&req, &done, MPI_STATUS_IGNORE);
        if (done) return;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
}

double stream_triad_gbs(const Comm& comm, const Layout& layout, int threads, double bytes_per_node) {
    omp_set_num_threads(threads);
    int local_size = 1;
    node_local_rank(comm, &local_size);
    const auto n = static_cast<std::ptrdiff_t>(bytes_per_node / 24.0 / local_size);
    // Allocated uninitialised and first touched by the threads that use them (NUMA placement).
    std::unique_ptr<double[]> a(new double[n]), b(new double[n]), c(new double[n]);
#pragma omp parallel for schedule(static)
    for (std::ptrdiff_t i = 0; i < n; ++i) a[i] = 0.0, b[i] = 1.0, c[i] = 2.0;
    const double scalar = 3.0;
    double best = std::numeric_limits<double>::infinity();
    for (int rep = 0; rep < 6; ++rep) {
        comm.barrier();
        const double t0 = now();
#pragma omp parallel for schedule(static)
        for (std::ptrdiff_t i = 0; i < n; ++i) a[i] = b[i] + scalar * c[i];
        const double t = comm.allreduce(now() - t0, ReduceOp::max);
        if (rep > 0) best = std::min(best, t);  // the first touches the caches and TLB
    }
    volatile double sink = a[n / 2];  // keeps the loop from being optimised away
    (void)sink;
    const double bytes_all = comm.allreduce(24.0 * static_cast<double>(n));
    return bytes_all / layout.hosts / best / 1e9;
}

double glm_pass_seconds(const Comm& comm, const Layout& layout, int active_per_node, int threads,
                        long rows_per_node, int p) {
    const bool active = layout.local_rank < active_per_node;
    MPI_Comm raw_sub;
    MPI_Comm_split(comm.raw(), active ? 0 : MPI_UNDEFINED, comm.rank(), &raw_sub);
    double best = std::numeric_limits<double>::infinity();
    if (active) {
        Comm sub(raw_sub);
        MPI_Comm_free(&raw_sub);
        omp_set_num_threads(threads);
        const Eigen::Index n = rows_per_node / active_per_node;
        Eigen::MatrixXd X(n, p);
        Eigen::VectorXd y(n), w = Eigen::VectorXd::Ones(n), offset = Eigen::VectorXd::Zero(n);
        const std::uint64_t base = static_cast<std::uint64_t>(comm.rank()) << 40;
#pragma omp parallel for schedule(static)
        for (Eigen::Index i = 0; i < n; ++i) {
            X(i, 0) = 1.0;
            for (int j = 1; j < p; ++j) X(i, j) = 2.0 * uniform(base + static_cast<std::uint64_t>(i) * p + j) - 1.0;
            y(i) = uniform(base + static_cast<std::uint64_t>(i) * p) < 0.3 ? 1.0 : 0.0;
        }
        Eigen::VectorXd beta = Eigen::VectorXd::Constant(p, 0.1);
        const glm::Family family = glm::Family::make("binomial", "logit", "kohort node-check");
        const glm::GlmData data{X, y, w, offset};
        for (int rep = 0; rep < 3; ++rep) {
            sub.barrier();
            const double t0 = now();
            const glm::IrlsStep step = glm::irls_pass(data, family, glm::EtaSource{&beta, nullptr});
            std::vector<double> packed = step.pack();
            sub.allreduce(packed);
            best = std::min(best, sub.allreduce(now() - t0, ReduceOp::max));
        }
    }
    quiet_barrier(comm);
    comm.broadcast(&best, 1);
    omp_set_num_threads(threads);
    return best;
}

AllreduceFigures allreduce_figures(const Comm& comm) {
    AllreduceFigures f;
    double x = 1.0;
    for (int i = 0; i < 50; ++i) x = comm.allreduce(x, ReduceOp::max);
    const int calls = 1000;
    comm.barrier();
    double t0 = now();
    for (int i = 0; i < calls; ++i) x = comm.allreduce(x, ReduceOp::max);
    f.latency_us = comm.allreduce(now() - t0, ReduceOp::max) / calls * 1e6;

    std::vector<double> v(1 << 20, 1.0);  // 8 MiB
    f.bytes = 8.0 * static_cast<double>(v.size());
    comm.allreduce(v, ReduceOp::max);
    double best = std::numeric_limits<double>::infinity();
    for (int rep = 0; rep < 10; ++rep) {
        comm.barrier();
        t0 = now();
        comm.allreduce(v, ReduceOp::max);
        best = std::min(best, comm.allreduce(now() - t0, ReduceOp::max));
    }
    const int P = comm.size();
    f.algbw_gbs = f.bytes / best / 1e9;
    f.busbw_gbs = f.algbw_gbs * (P > 1 ? 2.0 * (P - 1) / P : 1.0);
    return f;
}

StoreFigures store_figures(const Comm& comm, const std::string& path) {
    StoreFigures f;
    std::error_code ec;
    if (!path.empty() && fs::is_regular_file(path, ec)) {
        f.path = path;
    } else {
        std::string dir = path;
        if (dir.empty()) dir = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
        std::string name = "kohort-node-check-" + std::to_string(::getpid()) + ".h5";
        comm.broadcast(name);
        f.path = (fs::path(dir) / name).string();
        f.written = true;
        synth::SynthConfig cfg;
        cfg.persons = 20000;
        cfg.seed = 1;
        comm.barrier();
        const double t0 = now();
        synth::write_synthetic_store(f.path, cfg, comm);
        f.write_seconds = comm.allreduce(now() - t0, ReduceOp::max);
    }
    {
        Store store = Store::open(f.path, &comm);
        long long fewest = std::numeric_limits<long long>::max();
        for (const auto& t : store.table_names()) {
            const TableInfo info = store.info(t);
            if (info.partitioned_by_pid && info.rows < fewest) fewest = info.rows, f.table = t;
        }
        if (f.table.empty() && !store.table_names().empty()) f.table = store.table_names().front();
        if (!f.table.empty()) {
            f.rows = store.info(f.table).rows;
            comm.barrier();
            const double t0 = now();
            const Table t = store.read(f.table, comm);
            f.read_seconds = comm.allreduce(now() - t0, ReduceOp::max);
            f.bytes = static_cast<double>(comm.allreduce(store.bytes_read()));
        }
    }
    comm.barrier();
    if (f.written && comm.is_root()) fs::remove(f.path, ec);
    return f;
}

}  // namespace kohort::cli::node_check
