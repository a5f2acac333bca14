// Atomic job output (contract section 2): files are written into a hidden temporary folder beside
// the target, then swapped into place with one rename, so a failed or killed job leaves the output
// folder absent or unchanged.
#pragma once
#include <map>
#include <string>

namespace kohort {

class OutputDir {
public:
    explicit OutputDir(std::string target);
    ~OutputDir();  // removes the temporary folder if commit() was not reached
    OutputDir(const OutputDir&) = delete;
    OutputDir& operator=(const OutputDir&) = delete;

    // Adds a file (name relative to the output folder) to be written at commit.
    void add(const std::string& name, std::string content);
    // Writes all files into the temporary folder, fsyncs them, and renames it over the target
    // (exchanging atomically with an existing folder, which is then removed).
    void commit();
    const std::string& target() const { return target_; }
    // The files added so far (name -> content), e.g. for a page built from them (report.html).
    const std::map<std::string, std::string>& files() const { return files_; }

private:
    std::string target_;
    std::string temp_;
    std::map<std::string, std::string> files_;
    bool committed_ = false;
};

}  // namespace kohort
