#include "io/project_key.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/error.hpp"

namespace kohort::io {

namespace {

int hex_value(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string mode_string(mode_t m) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%03o", static_cast<unsigned>(m & 0777));
    return buf;
}

// Decodes hex text (trailing whitespace allowed); returns false if `bytes` is not hex text.
bool decode_hex(const std::vector<unsigned char>& bytes, std::vector<unsigned char>& out) {
    std::size_t n = bytes.size();
    while (n > 0 && (bytes[n - 1] == '\n' || bytes[n - 1] == '\r' || bytes[n - 1] == ' ' || bytes[n - 1] == '\t')) --n;
    if (n == 0 || n % 2 != 0) return false;
    for (std::size_t i = 0; i < n; ++i)
        if (hex_value(bytes[i]) < 0) return false;
    out.resize(n / 2);
    for (std::size_t i = 0; i < n / 2; ++i)
        out[i] = static_cast<unsigned char>(hex_value(bytes[2 * i]) * 16 + hex_value(bytes[2 * i + 1]));
    return true;
}

}  // namespace

ProjectKey::~ProjectKey() {
    if (!secret_.empty()) OPENSSL_cleanse(secret_.data(), secret_.size());
}

ProjectKey read_project_key(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw UsageError("key file " + path + ": cannot open it: " + std::strerror(errno));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw UsageError("key file " + path + ": cannot read it: " + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) throw UsageError("key file " + path + ": is not a regular file");
    if ((st.st_mode & 077) != 0)
        throw GovernanceError("key file " + path + " has mode " + mode_string(st.st_mode) +
                              ", which lets group or others use it; a project key must be private to its "
                              "owner (run: chmod 600 " + path + ")");
    std::vector<unsigned char> raw(static_cast<std::size_t>(st.st_size) + 1);
    std::size_t size = 0;
    for (;;) {
        if (size == raw.size()) raw.resize(2 * raw.size());
        const ssize_t n = ::read(fd, raw.data() + size, raw.size() - size);
        if (n < 0) {
            if (errno == EINTR) continue;
            OPENSSL_cleanse(raw.data(), raw.size());
            throw UsageError("key file " + path + ": cannot read it: " + std::strerror(errno));
        }
        if (n == 0) break;
        size += static_cast<std::size_t>(n);
    }
    std::vector<unsigned char> bytes(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(size));
    OPENSSL_cleanse(raw.data(), raw.size());
    std::vector<unsigned char> secret;
    if (decode_hex(bytes, secret)) {
        OPENSSL_cleanse(bytes.data(), bytes.size());
    } else {
        secret.swap(bytes);
    }
    ProjectKey key(std::move(secret));
    if (key.size() < kMinKeyBytes)
        throw GovernanceError("key file " + path + " holds a " + std::to_string(key.size()) +
                              "-byte secret; a project key must be at least " + std::to_string(kMinKeyBytes) +
                              " bytes (make one with: kohort keygen --out KEYFILE)");
    return key;
}

void write_new_project_key(const std::string& path) {
    unsigned char secret[kKeygenBytes];
    if (RAND_bytes(secret, sizeof secret) != 1) throw InternalError("RAND_bytes failed to produce a key");
    char text[2 * kKeygenBytes + 1];
    static const char* digits = "0123456789abcdef";
    for (std::size_t i = 0; i < kKeygenBytes; ++i) {
        text[2 * i] = digits[secret[i] >> 4];
        text[2 * i + 1] = digits[secret[i] & 15];
    }
    text[2 * kKeygenBytes] = '\n';
    OPENSSL_cleanse(secret, sizeof secret);

    // O_EXCL: never overwrite (a lost key would orphan every pid made with it).
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        const int err = errno;
        OPENSSL_cleanse(text, sizeof text);
        if (err == EEXIST)
            throw UsageError(path + " already exists; kohort keygen never overwrites a key (choose another --out)");
        throw UsageError(path + ": cannot create the key file: " + std::strerror(err));
    }
    bool ok = ::fchmod(fd, 0600) == 0;  // in case the umask or an ACL widened the mode
    std::size_t done = 0;
    while (ok && done < sizeof text) {
        const ssize_t n = ::write(fd, text + done, sizeof text - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) ok = false;
        else done += static_cast<std::size_t>(n);
    }
    const int err = errno;
    ok = ok && ::fsync(fd) == 0;
    ok = (::close(fd) == 0) && ok;
    OPENSSL_cleanse(text, sizeof text);
    if (!ok) {
        ::unlink(path.c_str());
        throw UsageError(path + ": cannot write the key file: " + std::strerror(err));
    }
}

}  // namespace kohort::io
