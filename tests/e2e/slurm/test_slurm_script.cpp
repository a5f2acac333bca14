// Unit tests of the pieces behind `kohort submit` that need no Slurm: the [slurm] section,
// flag precedence, template rendering, shell quoting and the sbatch process helper.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>

#include "cli/slurm_process.hpp"
#include "cli/slurm_script.hpp"
#include "core/error.hpp"

using namespace kohort;
using namespace kohort::cli;

namespace {

ScriptInputs inputs() {
    ScriptInputs in;
    in.job_name = "lung models";
    in.job_file = "/data/jobs/lung.ini";
    in.kohort_binary = "/opt/kohort/0.1.0/bin/kohort";
    in.workdir = "/scratch/u1";
    in.log_dir = "/scratch/u1/out/slurm-logs";
    in.template_path = "kohort.sbatch.in";
    return in;
}

const char* kTemplate =
    "#!/bin/bash\n#SBATCH --job-name=@JOB_NAME@\n@SBATCH_DIRECTIVES@\n#SBATCH --chdir=@WORKDIR@\n"
    "#SBATCH --output=@LOG_DIR@/%x-%j.out\nexport OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}\n"
    "srun --mpi=pmix --cpu-bind=cores @KOHORT@ run @JOB_FILE@ @RUN_ARGS@\n";

}  // namespace

TEST(SlurmSection, ReadsKeysWithDashesOrUnderscores) {
    const auto r = slurm_request_from_section(
        {{"nodes", "2"}, {"ntasks_per_node", "4"}, {"cpus-per-task", "8"}, {"time", "1-00:00:00"}, {"mem", "64G"},
         {"partition", "compute"}, {"account", "proj_123"}},
        "job.ini [slurm]");
    EXPECT_EQ(r.nodes, 2);
    EXPECT_EQ(r.ntasks_per_node, 4);
    EXPECT_EQ(r.cpus_per_task, 8);
    EXPECT_EQ(r.time, "1-00:00:00");
    EXPECT_EQ(r.mem, "64G");
    EXPECT_EQ(r.partition, "compute");
    EXPECT_EQ(r.account, "proj_123");
    EXPECT_FALSE(r.qos);
}

TEST(SlurmSection, RejectsUnknownKeysAndBadValues) {
    try {
        slurm_request_from_section({{"nodez", "2"}}, "job.ini [slurm]");
        FAIL() << "unknown key accepted";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("job.ini [slurm]: unknown key 'nodez'"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("ntasks-per-node"), std::string::npos) << e.what();
    }
    for (const char* bad : {"0", "-1", "two", "2.5", ""}) {
        try {
            slurm_request_from_section({{"nodes", bad}}, "job.ini [slurm]");
            FAIL() << "nodes = '" << bad << "' accepted";
        } catch (const UsageError& e) {
            EXPECT_NE(std::string(e.what()).find("expected a whole number of at least 1"), std::string::npos)
                << e.what();
        }
    }
    // Anything that could end an #SBATCH line or reach the shell is refused.
    for (const char* bad : {"debug\n#SBATCH --x", "a b", "$(reboot)", "x;y", "q'"})
        EXPECT_THROW(slurm_request_from_section({{"partition", bad}}, "job.ini [slurm]"), UsageError) << bad;
}

TEST(SlurmSection, FlagsWinOverTheJobFile) {
    SlurmRequest file, flags;
    file.nodes = 4;
    file.time = "10:00";
    file.partition = "long";
    flags.nodes = 1;
    flags.mem = "2G";
    const auto r = merge(file, flags);
    EXPECT_EQ(r.nodes, 1);
    EXPECT_EQ(r.time, "10:00");
    EXPECT_EQ(r.partition, "long");
    EXPECT_EQ(r.mem, "2G");
}

TEST(SlurmScript, RendersDirectivesAndLaunchLine) {
    SlurmRequest r;
    r.ntasks_per_node = 2;
    r.time = "0:30:00";
    auto in = inputs();
    in.run_args = {"--set", "job.output=out/it's"};
    const std::string s = render_batch_script(kTemplate, r, in);
    EXPECT_NE(s.find("#SBATCH --job-name=lung_models\n"), std::string::npos) << s;
    EXPECT_NE(s.find("#SBATCH --nodes=1\n#SBATCH --ntasks-per-node=2\n#SBATCH --cpus-per-task=1\n"
                     "#SBATCH --time=0:30:00\n#SBATCH --chdir=/scratch/u1\n"),
              std::string::npos)
        << s;
    EXPECT_EQ(s.find("--mem"), std::string::npos) << "unset resources are left to the site";
    EXPECT_NE(s.find("#SBATCH --output=/scratch/u1/out/slurm-logs/%x-%j.out"), std::string::npos) << s;
    EXPECT_NE(s.find("srun --mpi=pmix --cpu-bind=cores '/opt/kohort/0.1.0/bin/kohort' run '/data/jobs/lung.ini' "
                     "'--set' 'job.output=out/it'\\''s'\n"),
              std::string::npos)
        << s;
}

TEST(SlurmScript, RenderedScriptIsValidBash) {
    // The real template from slurm/, with awkward --set values: bash -n must accept it.
    std::ifstream f(std::string(KOHORT_SOURCE_DIR) + "/slurm/kohort.sbatch.in");
    ASSERT_TRUE(f) << "slurm/kohort.sbatch.in not found";
    const std::string tmpl((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto in = inputs();
    in.run_args = {"--set", "model.a.formula=Surv(t, s) ~ x + \"$HOME\" + `id`; echo pwned"};
    const std::string s = render_batch_script(tmpl, SlurmRequest{}, in);
    // A placeholder is an upper-case name between at-signs; "--signal=TERM@120" is not one.
    EXPECT_FALSE(std::regex_search(s, std::regex("@[A-Z0-9_]+@"))) << "placeholder left unfilled:\n" << s;
    const std::string path = ::testing::TempDir() + "/kohort_rendered.sbatch";
    std::ofstream(path) << s;
    EXPECT_EQ(std::system(("bash -n " + path).c_str()), 0) << s;
}

TEST(SlurmScript, RealTemplateIsRequeueableWithAWarningSignal) {
    // Contract section 9: requeueable, SIGTERM to the ranks before the time limit, and a requeue
    // when kohort stopped at a safe point (exit 143).
    std::ifstream f(std::string(KOHORT_SOURCE_DIR) + "/slurm/kohort.sbatch.in");
    ASSERT_TRUE(f) << "slurm/kohort.sbatch.in not found";
    const std::string tmpl((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const std::string s = render_batch_script(tmpl, SlurmRequest{}, inputs());
    EXPECT_NE(s.find("\n#SBATCH --requeue\n"), std::string::npos) << s;
    EXPECT_NE(s.find("\n#SBATCH --signal=TERM@120\n"), std::string::npos) << s;
    EXPECT_NE(s.find("\n#SBATCH --open-mode=append\n"), std::string::npos) << s;
    EXPECT_NE(s.find("scontrol requeue \"${SLURM_JOB_ID}\""), std::string::npos) << s;
}

TEST(SlurmScript, UnknownPlaceholderNamesTemplateAndLine) {
    try {
        render_template("#!/bin/bash\n\necho @NOPE@\n", {{"A", "1"}}, "site.sbatch.in");
        FAIL() << "unknown placeholder accepted";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("site.sbatch.in:3: unknown placeholder @NOPE@"), std::string::npos)
            << e.what();
    }
    // '@' that is not a placeholder (e-mail addresses, $@) is left alone.
    EXPECT_EQ(render_template("mail a@b.dk \"$@\" @A@", {{"A", "x"}}, "t"), "mail a@b.dk \"$@\" x");
}

TEST(SlurmScript, JobNamesAreSafeForLogFileNames) {
    EXPECT_EQ(safe_job_name("lung/models v2"), "lung_models_v2");
    EXPECT_EQ(safe_job_name(".hidden"), "j.hidden");
    EXPECT_EQ(safe_job_name(""), "j");
}

TEST(SlurmProcess, CapturesOutputAndExitCode) {
    const auto r = run_process({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_EQ(r.out, "out\n");
    EXPECT_EQ(r.err, "err\n");
}

TEST(SlurmProcess, DropsMpiLauncherVariablesOnly) {
    ::setenv("PMIX_SERVER_URI4", "stale;tcp4://127.0.0.1:1", 1);
    ::setenv("OMPI_MCA_ess", "singleton", 1);
    ::setenv("OMPI_MCA_btl", "self,tcp", 1);
    const auto r = run_process({"/usr/bin/env"});
    EXPECT_EQ(r.out.find("PMIX_SERVER_URI4="), std::string::npos);
    EXPECT_EQ(r.out.find("OMPI_MCA_ess="), std::string::npos);
    EXPECT_NE(r.out.find("OMPI_MCA_btl=self,tcp"), std::string::npos) << "user MCA settings must reach the job";
    EXPECT_TRUE(is_launcher_variable("PMIX_RANK"));
    EXPECT_FALSE(is_launcher_variable("OMP_NUM_THREADS"));
}

TEST(SlurmProcess, FindsToolsOnPath) {
    EXPECT_TRUE(find_on_path("sh").has_value());
    EXPECT_FALSE(find_on_path("kohort-no-such-tool").has_value());
}
