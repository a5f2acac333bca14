#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "jobs/job_file.hpp"

namespace fs = std::filesystem;
using namespace kohort;

namespace {
std::string write_job(const std::string& name, const std::string& text) {
    const fs::path dir = fs::temp_directory_path() / "kohort_test_jobs";
    fs::create_directories(dir);
    const fs::path p = dir / name;
    std::ofstream(p) << text;
    return p.string();
}

std::string error_of(const std::string& path, const std::vector<std::string>& sets = {}) {
    try {
        read_job_file(path, sets);
    } catch (const UsageError& e) {
        return e.what();
    }
    return "";
}
}  // namespace

TEST(JobFile, ReadsContractExampleWithInlineComments) {
    const auto path = write_job("ok.ini",
                                "[job]\nname   = lung_models\nstore  = lung.h5          ; relative to the job file\n"
                                "output = out/lung_models  ; relative to the working directory\n\n"
                                "[model.cox1]\nkind     = cox            ; cox | km\ntable = lung\n"
                                "formula  = Surv(time, status) ~ age + factor(sex) + strata(inst)\niter.max = 30\n"
                                "[model.glm1]\nkind = glm\ntable = lung\nformula = died ~ age\n");
    const JobFile job = read_job_file(path);
    EXPECT_EQ(job.name, "lung_models");
    EXPECT_EQ(job.store, (fs::path(path).parent_path() / "lung.h5").string());
    EXPECT_EQ(job.output, (fs::current_path() / "out/lung_models").string());
    ASSERT_EQ(job.models.size(), 2u);
    EXPECT_EQ(job.models[0].name, "cox1");
    EXPECT_EQ(job.models[0].kind, "cox");
    EXPECT_EQ(job.models[0].get("formula"), "Surv(time, status) ~ age + factor(sex) + strata(inst)");
    EXPECT_EQ(job.models[0].get("iter.max"), "30");  // a key with a dot stays whole
    EXPECT_EQ(job.models[1].name, "glm1");
    EXPECT_EQ(job.sha256.size(), 64u);
}

TEST(JobFile, SetOverridesWin) {
    const auto path = write_job("set.ini", "[job]\nname=a\nstore=s.h5\noutput=o\n[model.m]\nkind=summary\ntable=t\n");
    const JobFile job = read_job_file(path, {"job.output=/tmp/elsewhere", "model.m.columns=age"});
    EXPECT_EQ(job.output, "/tmp/elsewhere");
    EXPECT_EQ(job.models[0].get("columns"), "age");
}

TEST(JobFile, MalformedLineNamesFileLineAndColumn) {
    const auto path = write_job("bad.ini", "[job]\nname = a\n  this line has no equals sign\n");
    const std::string msg = error_of(path);
    EXPECT_NE(msg.find(path + ":3:3:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("expected 'key = value'"), std::string::npos) << msg;
}

TEST(JobFile, MissingKeysAndFilesAreUsageErrors) {
    EXPECT_NE(error_of("/nonexistent/job.ini").find("job file not found"), std::string::npos);
    const auto path = write_job("nostore.ini", "[job]\nname = a\noutput = o\n");
    EXPECT_NE(error_of(path).find("missing required key 'store'"), std::string::npos);
    const auto nokind = write_job("nokind.ini", "[job]\nname=a\nstore=s\noutput=o\n[model.x]\ntable=t\n");
    EXPECT_NE(error_of(nokind).find("[model.x]: missing required key 'kind'"), std::string::npos);
    const auto dup = write_job("dup.ini", "[job]\nname=a\nname=b\nstore=s\noutput=o\n");
    EXPECT_NE(error_of(dup).find("given twice"), std::string::npos);
    const auto badset = write_job("badset.ini", "[job]\nname=a\nstore=s\noutput=o\n");
    EXPECT_NE(error_of(badset, {"nodot"}).find("expected section.key=value"), std::string::npos);
}

TEST(JobFile, SplitList) {
    EXPECT_EQ(split_list(" a, b ,,c "), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_TRUE(split_list("").empty());
}
