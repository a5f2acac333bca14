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

// A site configuration with a policy and no [audit] section.
std::string write_config_without_audit() {
    const auto path = std::filesystem::temp_directory_path() / ("kohort_site_" + std::to_string(::getpid()) + ".ini");
    std::ofstream(path) << "[disclosure]\npolicy = sds\n";
    return path.string();
}

}  // namespace

TEST(SiteConfig, AuditLogDefaultsToTheHomeDirectory) {
    const std::string config = write_config_without_audit();
    ScopedEnv site("KOHORT_SITE_CONFIG", config.c_str());
    ScopedEnv log("KOHORT_AUDIT_LOG", nullptr);
    ScopedEnv home("HOME", "/home/someone");
    EXPECT_EQ(kohort::load_site_config().audit_log, "/home/someone/.kohort/audit.jsonl");
    std::filesystem::remove(config);
}

TEST(SiteConfig, WithoutHomeTheAuditLogComesFromThePasswordDatabase) {
    const passwd* pw = getpwuid(getuid());
    ASSERT_NE(pw, nullptr) << "this test needs the current user in the password database";
    const std::string config = write_config_without_audit();
    ScopedEnv site("KOHORT_SITE_CONFIG", config.c_str());
    ScopedEnv log("KOHORT_AUDIT_LOG", nullptr);
    ScopedEnv home("HOME", nullptr);
    EXPECT_EQ(kohort::load_site_config().audit_log, std::string(pw->pw_dir) + "/.kohort/audit.jsonl");
    std::filesystem::remove(config);
}

TEST(SiteConfig, EnvironmentAuditLogWinsOverTheDefault) {
    const std::string config = write_config_without_audit();
    ScopedEnv site("KOHORT_SITE_CONFIG", config.c_str());
    ScopedEnv log("KOHORT_AUDIT_LOG", "/tmp/elsewhere.jsonl");
    ScopedEnv home("HOME", nullptr);
    EXPECT_EQ(kohort::load_site_config().audit_log, "/tmp/elsewhere.jsonl");
    std::filesystem::remove(config);
}
