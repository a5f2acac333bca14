// The project key: the secret under which CPR numbers are pseudonymised (HMAC-SHA256).
//
// File format: the secret as hexadecimal text on one line (what `kohort keygen` writes: 64 hex
// digits = 32 bytes, then a newline). A file that is not hex text is used as raw bytes, so a key from
// another tool (`head -c 32 /dev/urandom > key`) works too. Either way the secret must be at least
// 32 bytes, and the file must give no permission to group or others (mode 600 or 400).
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace kohort::io {

inline constexpr std::size_t kMinKeyBytes = 32;
inline constexpr std::size_t kKeygenBytes = 32;

class ProjectKey {
public:
    explicit ProjectKey(std::vector<unsigned char> secret) : secret_(std::move(secret)) {}
    ProjectKey(ProjectKey&&) = default;
    ProjectKey& operator=(ProjectKey&&) = default;
    ProjectKey(const ProjectKey&) = delete;
    ProjectKey& operator=(const ProjectKey&) = delete;
    ~ProjectKey();  // wipes the secret (OPENSSL_cleanse)

    const unsigned char* data() const { return secret_.data(); }
    std::size_t size() const { return secret_.size(); }

private:
    std::vector<unsigned char> secret_;
};

// Missing or unreadable file: UsageError (exit 2) naming it. Readable/writable by group or others,
// or a secret shorter than kMinKeyBytes: GovernanceError (exit 3). Never prints key material.
ProjectKey read_project_key(const std::string& path);

// Writes kKeygenBytes from RAND_bytes as hex to a new file with mode 0600. An existing file is never
// overwritten (UsageError).
void write_new_project_key(const std::string& path);

}  // namespace kohort::io
