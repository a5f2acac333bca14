// The site configuration's defaults (src/jobs/site_config.cpp): where the audit log goes when the
// configuration names none, with and without HOME (a clean environment, `env -i`, has no HOME).
#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "jobs/site_config.hpp"

namespace {

// Sets or unsets one environment variable for the life of the object, then restores it.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value) ::setenv(name, value, 1); else ::unsetenv(name);
    }
    ~ScopedEnv() {
        if (old_) ::setenv(name_, old_->c_str(), 1); else ::unsetenv(name_);
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

// A site configuration with a policy and no [audit] section, named by KOHORT_SITE_CONFIG, and no
// KOHORT_AUDIT_LOG: what is left to decide the audit log is the default.
class SiteConfigDefaults : public ::testing::Test {
protected:
    const std::string config_ =
        (std::filesystem::temp_directory_path() / ("kohort_site_" + std::to_string(::getpid()) + ".ini")).string();
    const bool written_ = static_cast<bool>(std::ofstream(config_) << "[disclosure]\npolicy = sds\n");
    ScopedEnv site_{"KOHORT_SITE_CONFIG", config_.c_str()};
    ScopedEnv log_{"KOHORT_AUDIT_LOG", nullptr};
    ~SiteConfigDefaults() override { std::filesystem::remove(config_); }
};

}  // namespace

TEST_F(SiteConfigDefaults, AuditLogDefaultsToTheHomeDirectory) {
    ASSERT_TRUE(written_);
    ScopedEnv home("HOME", "/home/someone");
    EXPECT_EQ(kohort::load_site_config().audit_log, "/home/someone/.kohort/audit.jsonl");
}

TEST_F(SiteConfigDefaults, WithoutHomeTheAuditLogComesFromThePasswordDatabase) {
    ASSERT_TRUE(written_);
    const passwd* pw = getpwuid(getuid());
    ASSERT_NE(pw, nullptr) << "this test needs the current user in the password database";
    ScopedEnv home("HOME", nullptr);
    EXPECT_EQ(kohort::load_site_config().audit_log, std::string(pw->pw_dir) + "/.kohort/audit.jsonl");
}

TEST_F(SiteConfigDefaults, EnvironmentAuditLogWinsOverTheDefault) {
    ASSERT_TRUE(written_);
    ScopedEnv log("KOHORT_AUDIT_LOG", "/tmp/elsewhere.jsonl");
    ScopedEnv home("HOME", nullptr);
    EXPECT_EQ(kohort::load_site_config().audit_log, "/tmp/elsewhere.jsonl");
}
