#include "jobs/audit.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>

#include "core/error.hpp"
#include "core/version.hpp"

namespace kohort {

namespace {
std::string utc_now() {
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}
}  // namespace

void append_audit_record(const std::string& log_path, nlohmann::json record) {
    if (log_path.empty()) throw InternalError("no audit log configured; set [audit] log in the site configuration");
    record["time"] = utc_now();
    const passwd* pw = getpwuid(getuid());
    record["user"] = pw ? pw->pw_name : std::to_string(getuid());
    record["uid"] = getuid();
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    record["host"] = host;
    record["kohort_version"] = kVersion;
    if (const char* job = std::getenv("SLURM_JOB_ID")) record["slurm_job_id"] = job;

    std::error_code ec;
    const auto parent = std::filesystem::path(log_path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    const int fd = ::open(log_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) throw InternalError("cannot open the audit log " + log_path + " for appending");
    const std::string line = record.dump() + "\n";
    // O_APPEND makes each write land at the end; the lock keeps concurrent jobs' lines whole.
    ::flock(fd, LOCK_EX);
    const ssize_t n = ::write(fd, line.data(), line.size());
    ::fsync(fd);
    ::flock(fd, LOCK_UN);
    ::close(fd);
    if (n != static_cast<ssize_t>(line.size())) throw InternalError("cannot write the audit log " + log_path);
}

}  // namespace kohort
