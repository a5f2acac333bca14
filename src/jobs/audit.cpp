#include "jobs/audit.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "core/error.hpp"
#include "core/version.hpp"
#include "jobs/output_dir.hpp"
#include "jobs/sha256.hpp"

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

[[noreturn]] void refuse(const std::string& log_path, const std::string& what) {
    throw GovernanceError("cannot write the audit log " + log_path + " (" + what +
                          "); nothing was released, since no output may leave without its audit record. "
                          "Ask the platform to fix [audit] log in the site configuration");
}

// An open, locked audit log. The lock is an open-file-description lock (F_OFD_SETLKW): it
// serialises processes and threads alike, and works on NFS through the lock manager.
class LockedLog {
public:
    explicit LockedLog(const std::string& path) : path_(path) {
        std::error_code ec;
        const auto parent = std::filesystem::path(path).parent_path();
        if (!parent.empty() && !std::filesystem::exists(parent)) {
            std::filesystem::create_directories(parent, ec);
            if (ec) refuse(path, "cannot create its folder: " + ec.message());
        }
        fd_ = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        if (fd_ < 0) refuse(path, std::strerror(errno));
        struct flock lk{};
        lk.l_type = F_WRLCK;
        lk.l_whence = SEEK_SET;
        while (::fcntl(fd_, F_OFD_SETLKW, &lk) != 0)
            if (errno != EINTR) refuse(path, std::string("cannot lock it: ") + std::strerror(errno));
    }
    ~LockedLog() {
        if (fd_ >= 0) ::close(fd_);  // closing the description releases the lock
    }
    LockedLog(const LockedLog&) = delete;
    LockedLog& operator=(const LockedLog&) = delete;

    off_t size() const {
        struct stat st{};
        if (::fstat(fd_, &st) != 0) refuse(path_, std::strerror(errno));
        if (!S_ISREG(st.st_mode)) refuse(path_, "not a regular file");
        return st.st_size;
    }

    // The last line (without its newline), reading backwards from the end in blocks.
    std::string last_line(off_t size) const {
        std::string tail;
        constexpr off_t kBlock = 1 << 16;
        off_t end = size - 1;  // skip the final newline
        while (end > 0) {
            const off_t start = end > kBlock ? end - kBlock : 0;
            std::string block(static_cast<std::size_t>(end - start), '\0');
            if (::pread(fd_, block.data(), block.size(), start) != static_cast<ssize_t>(block.size()))
                refuse(path_, "cannot read its last record");
            const auto nl = block.rfind('\n');
            if (nl != std::string::npos) return block.substr(nl + 1) + tail;
            tail = block + tail;
            end = start;
        }
        return tail;
    }

    char last_byte(off_t size) const {
        char c = '\n';
        if (size > 0 && ::pread(fd_, &c, 1, size - 1) != 1) refuse(path_, "cannot read its end");
        return c;
    }

    // Lines in the log; read only when the last record predates the chain (see below).
    std::int64_t count_lines(off_t size) const {
        std::int64_t lines = 0;
        std::string block(1 << 16, '\0');
        for (off_t at = 0; at < size;) {
            const ssize_t n = ::pread(fd_, block.data(), block.size(), at);
            if (n <= 0) refuse(path_, "cannot read it");
            for (ssize_t i = 0; i < n; ++i) lines += block[static_cast<std::size_t>(i)] == '\n';
            at += n;
        }
        return lines;
    }

    // Appends `text` and fsyncs; on any failure the log is cut back to `size`.
    void append(const std::string& text, off_t size) {
        std::size_t off = 0;
        while (off < text.size()) {
            const ssize_t n = ::write(fd_, text.data() + off, text.size() - off);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                const std::string why = std::strerror(errno);
                (void)::ftruncate(fd_, size);
                refuse(path_, why);
            }
            off += static_cast<std::size_t>(n);
        }
        if (::fsync(fd_) != 0) {
            const std::string why = std::strerror(errno);
            (void)::ftruncate(fd_, size);
            refuse(path_, "fsync: " + why);
        }
        if (size == 0) fsync_directory(std::filesystem::path(path_).parent_path().string());  // a new log's entry
    }

private:
    std::string path_;
    int fd_ = -1;
};

}  // namespace

std::string append_audit_record(const std::string& log_path, nlohmann::json record) {
    if (log_path.empty()) refuse("(none)", "no audit log is configured; set [audit] log in the site configuration");
    record["time"] = utc_now();
    const passwd* pw = getpwuid(getuid());
    record["user"] = pw ? pw->pw_name : std::to_string(getuid());
    record["uid"] = getuid();
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    record["host"] = host;
    record["kohort_version"] = kVersion;
    if (const char* job = std::getenv("SLURM_JOB_ID")) record["slurm_job_id"] = job;

    // Under the lock: read the last record, chain to it, append, fsync. Another job appending at
    // the same moment waits, so no two records claim the same predecessor.
    LockedLog log(log_path);
    const off_t size = log.size();
    std::int64_t seq = 1;
    std::string prev = kAuditGenesis;
    if (size > 0) {
        if (log.last_byte(size) != '\n')
            refuse(log_path, "it ends in an incomplete record; run 'kohort audit verify' and have the platform "
                             "repair it");
        const std::string last = log.last_line(size);
        prev = sha256_hex_of(last);
        const auto parsed = nlohmann::json::parse(last, nullptr, false);
        if (parsed.is_object() && parsed.contains("seq") && parsed["seq"].is_number_integer())
            seq = parsed["seq"].get<std::int64_t>() + 1;
        else
            seq = log.count_lines(size) + 1;  // the last record predates the chain: seq is the line number
    }
    SealedAuditRecord sealed = seal_audit_record(std::move(record), seq, prev);
    log.append(sealed.line + "\n", size);
    return std::move(sealed.record_sha256);
}

}  // namespace kohort
