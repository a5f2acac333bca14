// Atomic job output (contract section 2): files are written into a hidden temporary folder beside
// the target, then swapped into place with one rename, so a failed or killed job leaves the output
// folder absent or unchanged.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kohort {

// Writes `content` to `path` (created 0644, truncated) and fsyncs it. Throws UsageError when the
// file cannot be created, InternalError when it cannot be written.
void write_file_synced(const std::string& path, const std::string& content);
// fsyncs a folder, so renames and creations inside it are durable.
void fsync_directory(const std::string& path);

class OutputDir {
public:
    explicit OutputDir(std::string target);
    ~OutputDir();  // removes the temporary folder if commit() was not reached
    OutputDir(const OutputDir&) = delete;
    OutputDir& operator=(const OutputDir&) = delete;

    // Adds a file (name relative to the output folder) to be written at commit.
    void add(const std::string& name, std::string content);
    struct StagedFile {
        std::string name;
        std::string sha256;
        std::uint64_t bytes = 0;
    };
    // Writes all files into the temporary folder and fsyncs them; returns each file's SHA-256,
    // for the audit record that must be on disk before publish().
    std::vector<StagedFile> stage();
    // Between stage() and publish(): replaces the one occurrence of `from` in staged file `name` by
    // `to`, of the same length, and fsyncs the file (audited_commit.hpp writes the audit record's
    // hash into report.html this way). Throws InternalError unless `from` occurs exactly once.
    void replace_once_in_staged(const std::string& name, const std::string& from, const std::string& to);
    // Renames the staged folder over the target (exchanging atomically with an existing folder,
    // which is then removed).
    void publish();
    // stage() then publish().
    void commit();
    const std::string& target() const { return target_; }
    // The files added so far (name -> content), e.g. for a page built from them (report.html).
    const std::map<std::string, std::string>& files() const { return files_; }

private:
    std::string target_;
    std::string temp_;
    std::map<std::string, std::string> files_;
    bool staged_ = false;
    bool committed_ = false;
};

}  // namespace kohort
