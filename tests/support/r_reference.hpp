// Reference values from R, computed in the test program's own run (a missing or failing R fails
// the test). Rank 0 runs an R script into a fresh temporary folder, every rank learns the folder,
// and the folder is removed when the program ends, unless a test failed or R did (then it stays,
// with R's output in r.log, for the person reading the failure) or KOHORT_KEEP_TEST_FILES is set
// (to look at what a test wrote there, such as plots).
#pragma once
#include <gtest/gtest.h>
#include <mpi.h>
#include <stdlib.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace kohort::testing {

// Runs `Rscript SCRIPT DIR` once per program (collective on the first call) into a new folder
// DIR = $TMPDIR/PREFIX-<6 random characters> made by mkdtemp, and returns DIR; throws on every rank
// when R fails.
inline std::string r_reference_dir(const std::string& prefix, const std::string& script) {
    struct Folder {
        std::string path;
        bool keep = false;
        ~Folder() {  // after main: no MPI here
            if (path.empty() || keep || std::getenv("KOHORT_KEEP_TEST_FILES") ||
                !::testing::UnitTest::GetInstance()->Passed())
                return;
            std::error_code ec;
            std::filesystem::remove_all(path, ec);
        }
    };
    static Folder folder;
    static std::string dir;
    if (!dir.empty()) return dir;
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    char buf[4096] = {0};
    constexpr int kNoFolder = -1000;  // std::system never returns it
    int rc = 0;
    if (rank == 0) {
        // mkdtemp's template must end in six 'X', which it replaces with random characters.
        const std::string random_tail(6, 'X');
        const std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-" + random_tail)).string();
        std::vector<char> t(tmpl.begin(), tmpl.end());
        t.push_back('\0');
        if (const char* made = mkdtemp(t.data())) {
            std::snprintf(buf, sizeof buf, "%s", made);
            folder.path = buf;
            const std::string cmd = "Rscript " + script + " " + buf + " > " + buf + "/r.log 2>&1";
            rc = std::system(cmd.c_str());
            folder.keep = rc != 0;
        } else {
            std::snprintf(buf, sizeof buf, "cannot make a folder from %s: %s", tmpl.c_str(), std::strerror(errno));
            rc = kNoFolder;
        }
    }
    MPI_Bcast(buf, sizeof buf, MPI_CHAR, 0, MPI_COMM_WORLD);
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (rc == kNoFolder) throw std::runtime_error("R reference for " + script + ": " + std::string(buf));
    if (rc != 0) throw std::runtime_error("Rscript " + script + " failed; see " + std::string(buf) + "/r.log");
    dir = buf;
    return dir;
}

}  // namespace kohort::testing
