#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "jobs/output_dir.hpp"

namespace fs = std::filesystem;
using namespace kohort;

namespace {
std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}
fs::path fresh_dir(const std::string& name) {
    const fs::path d = fs::temp_directory_path() / "kohort_test_output" / name;
    fs::remove_all(d);
    fs::create_directories(d.parent_path());
    return d;
}
}  // namespace

TEST(OutputDir, NothingAppearsBeforeCommit) {
    const fs::path target = fresh_dir("uncommitted");
    {
        OutputDir out(target.string());
        out.add("results.json", "{}");
    }  // destroyed without commit, as when a job fails
    EXPECT_FALSE(fs::exists(target));
    for (const auto& e : fs::directory_iterator(target.parent_path()))
        EXPECT_EQ(e.path().filename().string().find(".uncommitted.tmp"), std::string::npos);
}

TEST(OutputDir, CommitCreatesAndReplacesWhole) {
    const fs::path target = fresh_dir("replace");
    {
        OutputDir out(target.string());
        out.add("results.json", "first");
        out.add("old.csv", "x");
        out.commit();
    }
    EXPECT_EQ(slurp(target / "results.json"), "first");
    {
        OutputDir out(target.string());
        out.add("results.json", "second");
        out.commit();
    }
    EXPECT_EQ(slurp(target / "results.json"), "second");
    EXPECT_FALSE(fs::exists(target / "old.csv"));  // the folder is replaced, not merged
}

// How the audit record's hash gets into report.html: the staged page is hashed with 64 zeros in its
// place, the published one shows the hash; zeros that are missing, repeated or replaced by text of
// another length are an internal error, never a silent no-op.
TEST(OutputDir, ReplacesTextInAStagedFileOnce) {
    const fs::path target = fresh_dir("record_hash_slot");
    const std::string zeros(64, '0'), hash(64, 'a');
    OutputDir out(target.string());
    out.add("page.html", "<p>" + zeros + "</p>\n");
    out.add("twice.html", zeros + zeros);
    const auto staged = out.stage();
    EXPECT_THROW(out.replace_once_in_staged("twice.html", zeros, hash), InternalError);
    EXPECT_THROW(out.replace_once_in_staged("page.html", zeros, "short"), InternalError);
    EXPECT_THROW(out.replace_once_in_staged("absent.html", zeros, hash), InternalError);
    out.replace_once_in_staged("page.html", zeros, hash);
    EXPECT_THROW(out.replace_once_in_staged("page.html", zeros, hash), InternalError);  // already filled
    out.publish();
    EXPECT_EQ(slurp(target / "page.html"), "<p>" + hash + "</p>\n");
    for (const auto& f : staged) {
        if (f.name == "page.html") {
            EXPECT_EQ(f.bytes, slurp(target / "page.html").size());
        }
    }
}
