// Typed errors that carry the process exit code of contract section 2.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

namespace kohort {

// preempted: stopped by SIGTERM at a safe point, completed models kept for a rerun (contract
// section 9); 143 = 128 + SIGTERM, as a shell reports a process ended by that signal.
enum class ExitCode : int { ok = 0, internal = 1, usage = 2, governance = 3, preempted = 143 };

class Error : public std::runtime_error {
public:
    Error(ExitCode code, const std::string& msg) : std::runtime_error(msg), code_(code) {}
    ExitCode code() const noexcept { return code_; }

private:
    ExitCode code_;
};

// Bad usage or bad input (exit 2). The message must say what was found and what was expected.
class UsageError : public Error {
public:
    explicit UsageError(const std::string& msg) : Error(ExitCode::usage, msg) {}
};

// Bad input at a position in a file: formats "FILE:LINE:COL: message".
// line/col are 1-based; pass 0 to omit them.
class InputError : public UsageError {
public:
    InputError(const std::string& file, std::int64_t line, std::int64_t col, const std::string& msg)
        : UsageError(format(file, line, col, msg)) {}
    static std::string format(const std::string& file, std::int64_t line, std::int64_t col,
                              const std::string& msg) {
        std::string s = file;
        if (line > 0) s += ":" + std::to_string(line);
        if (col > 0) s += ":" + std::to_string(col);
        return s + ": " + msg;
    }
};

// Refused by governance: disclosure control, unapproved column, weak key (exit 3).
class GovernanceError : public Error {
public:
    explicit GovernanceError(const std::string& msg) : Error(ExitCode::governance, msg) {}
};

// A bug or an environment failure that is not the user's input (exit 1).
class InternalError : public Error {
public:
    explicit InternalError(const std::string& msg) : Error(ExitCode::internal, msg) {}
};

}  // namespace kohort
