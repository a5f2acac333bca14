#include "jobs/output_dir.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "core/error.hpp"
#include "jobs/sha256.hpp"

namespace kohort {
namespace fs = std::filesystem;

OutputDir::OutputDir(std::string target) : target_(std::move(target)) {
    const fs::path t(target_);
    temp_ = (t.parent_path() / ("." + t.filename().string() + ".tmp-" + std::to_string(::getpid()))).string();
}

OutputDir::~OutputDir() {
    if (!committed_) {
        std::error_code ec;
        fs::remove_all(temp_, ec);
    }
}

void OutputDir::add(const std::string& name, std::string content) { files_[name] = std::move(content); }

void write_file_synced(const std::string& path, const std::string& content) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw UsageError("cannot create " + path + " (check that the output folder is writable)");
    std::size_t off = 0;
    while (off < content.size()) {
        const ssize_t n = ::write(fd, content.data() + off, content.size() - off);
        if (n <= 0) {
            ::close(fd);
            throw InternalError("cannot write " + path);
        }
        off += static_cast<std::size_t>(n);
    }
    ::fsync(fd);
    ::close(fd);
}

void fsync_directory(const std::string& path) {
    const int fd = ::open(path.empty() ? "." : path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

std::vector<OutputDir::StagedFile> OutputDir::stage() {
    std::error_code ec;
    const fs::path target(target_);
    if (!target.parent_path().empty()) {
        fs::create_directories(target.parent_path(), ec);
        if (ec) throw UsageError("cannot create the folder " + target.parent_path().string() + ": " + ec.message());
    }
    fs::remove_all(temp_, ec);
    if (!fs::create_directory(temp_, ec) || ec)
        throw UsageError("cannot create the output folder beside " + target_ + ": " + ec.message());
    std::vector<StagedFile> staged;
    for (const auto& [name, content] : files_) {
        write_file_synced((fs::path(temp_) / name).string(), content);
        staged.push_back({name, sha256_hex_of(content), content.size()});
    }
    staged_ = true;
    return staged;
}

void OutputDir::replace_once_in_staged(const std::string& name, const std::string& from, const std::string& to) {
    if (!staged_) throw InternalError("OutputDir::replace_once_in_staged before stage");
    auto it = files_.find(name);
    if (it == files_.end()) throw InternalError("OutputDir::replace_once_in_staged: no staged file " + name);
    std::string& content = it->second;
    const auto at = content.find(from);
    if (from.size() != to.size() || at == std::string::npos || content.find(from, at + 1) != std::string::npos)
        throw InternalError("OutputDir::replace_once_in_staged: " + name + " must hold the text exactly once, "
                            "and the replacement must have its length");
    content.replace(at, from.size(), to);
    write_file_synced((fs::path(temp_) / name).string(), content);
}

void OutputDir::publish() {
    if (!staged_) throw InternalError("OutputDir::publish before stage");
    std::error_code ec;
    const fs::path target(target_);
    if (fs::exists(target)) {
        // Swap the new folder with the old in one step, then remove the old one.
        if (::syscall(SYS_renameat2, AT_FDCWD, temp_.c_str(), AT_FDCWD, target_.c_str(), RENAME_EXCHANGE) != 0)
            throw UsageError("cannot replace the output folder " + target_ + " (is it a folder you may write?)");
        committed_ = true;
        fs::remove_all(temp_, ec);
    } else {
        if (std::rename(temp_.c_str(), target_.c_str()) != 0)
            throw UsageError("cannot move the results into " + target_);
        committed_ = true;
    }
}

void OutputDir::commit() {
    stage();
    publish();
}

}  // namespace kohort
