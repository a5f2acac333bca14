// Writes a small store for the h5dump/h5py readability test:
//   write_sample_store OUT.h5            serial (sec2) write_all
//   mpirun -np K write_sample_store OUT.h5 --mpi   collective MPI-IO write
// Tables: visits (every type, missing values; see store_test_tables.hpp) and people (pid table,
// pid = bucket (i * 37 % 4096) placed in the top bits, low bits i; value = i / 4).
#include <mpi.h>

#include <cstring>
#include <iostream>

#include "core/error.hpp"
#include "store/store.hpp"
#include "store_test_tables.hpp"

using namespace kohort;

namespace {

constexpr int kPeople = 1000;

Table people(int rank, int ranks) {
    Table t;
    t.name = "people";
    t.partitioned_by_pid = true;
    Column pid("pid", ColumnType::Int64), value("value", ColumnType::Double);
    std::vector<std::pair<std::int64_t, int>> mine;
    for (int i = 0; i < kPeople; ++i) {
        const std::int64_t p = testing::pid_in_bucket((i * 37) % kBuckets, i, kBucketBits);
        if (pid_bucket(p) >= first_bucket(rank, ranks) && pid_bucket(p) < first_bucket(rank + 1, ranks))
            mine.emplace_back(p, i);
    }
    std::sort(mine.begin(), mine.end());
    for (const auto& [p, i] : mine) {
        pid.i64.push_back(p);
        value.f64.push_back(i / 4.0);
    }
    t.add(std::move(pid));
    t.add(std::move(value));
    return t;
}

}  // namespace

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int rc = 0;
    try {
        if (argc < 2) throw UsageError("usage: write_sample_store OUT.h5 [--mpi]");
        const bool mpi = argc > 2 && std::strcmp(argv[2], "--mpi") == 0;
        Comm comm;
        if (mpi) {
            Store s = Store::create(argv[1], &comm);
            // visits: rank 0 holds all rows, the others none, so the file is the same at any rank count.
            s.write(testing::every_type_table("visits", comm.is_root() ? 103 : 0), comm);
            s.write(people(comm.rank(), comm.size()), comm);
            s.set_attributes("/synth", {{"hr_statin", 0.75}});
            s.close();
        } else if (comm.is_root()) {
            Store s = Store::create(argv[1], nullptr);
            s.write_all(testing::every_type_table("visits", 103));
            Table all = people(0, 1);
            all.partitioned_by_pid = false;
            std::reverse(all.columns[0].i64.begin(), all.columns[0].i64.end());  // write_all must sort
            std::reverse(all.columns[1].f64.begin(), all.columns[1].f64.end());
            s.write_all(all);
            s.set_attributes("/synth", {{"hr_statin", 0.75}});
            s.close();
        }
    } catch (const Error& e) {
        std::cerr << "write_sample_store: " << e.what() << "\n";
        rc = static_cast<int>(e.code());
    }
    MPI_Finalize();
    return rc;
}
