// Cell keys across ranks (issue 16): the cell key of a set of persons, computed from each rank's
// share and reduced, equals the key every rank computes alone from all of them, at any rank
// count; and keyed survival counts reduced across ranks carry the same keys as one table of all rows.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "jobs/cell_key.hpp"
#include "kernels/survival/km_counts.hpp"
#include "mpi/comm.hpp"

using namespace kohort;
using cellkey::Key;

namespace {
std::string secret_file(const Comm& comm) {
    const std::string path =
        (std::filesystem::temp_directory_path() / ("kohort_cell_key_mpi_" + std::to_string(comm.rank()) + ".key")).string();
    std::ofstream(path) << "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\n";
    ::chmod(path.c_str(), 0600);
    return path;
}
}  // namespace

TEST(CellKeyMpi, ReducedKeySumEqualsTheSerialSum) {
    Comm comm;
    cellkey::RecordKeys rk(secret_file(comm));
    const std::int64_t n = 2000;
    std::vector<std::int64_t> mine, all;
    for (std::int64_t pid = 1; pid <= n; ++pid) {
        all.push_back(pid * 7919);
        // Uneven shares: rank r takes the pids whose hash-like index falls to it.
        if ((pid * 31 + pid / 7) % comm.size() == comm.rank()) mine.push_back(pid * 7919);
    }
    const Key serial = cellkey::sum(rk.keys(all));
    EXPECT_EQ(cellkey::allreduce(comm, cellkey::sum(rk.keys(mine))), serial);
}

TEST(CellKeyMpi, KeyedEventCountsMergeToTheSerialKeys) {
    Comm comm;
    cellkey::RecordKeys rk(secret_file(comm));
    survival::EventRows all, mine;
    for (int i = 0; i < 500; ++i) {
        const double t = static_cast<double>(i % 37);
        const int status = i % 3 == 0;
        const Key k = rk.key(1000 + i);
        for (auto* r : {&all, &mine}) {
            if (r == &mine && i % comm.size() != comm.rank()) continue;
            r->stratum.push_back(i % 2);
            r->stop.push_back(t);
            r->status.push_back(status);
            r->weight.push_back(1.0);
            r->key.push_back(k);
        }
    }
    survival::EventCounts serial(2, 1, true), merged(2, 1, true);
    serial.consume(all);
    merged.consume(mine);
    merged.allreduce(comm);
    for (int s = 0; s < 2; ++s) {
        EXPECT_EQ(merged.stratum(s).time, serial.stratum(s).time);
        EXPECT_EQ(merged.stratum(s).key, serial.stratum(s).key);
        EXPECT_EQ(merged.stratum(s).rows, serial.stratum(s).rows);
    }
}
