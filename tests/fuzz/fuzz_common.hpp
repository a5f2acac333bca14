// Shared by the libFuzzer targets (README.md). A target feeds its bytes to one reader; rejecting
// bad input with a kohort error of exit code 2 or 3 is the correct outcome. Anything else is a
// finding: a crash or sanitizer report, or an exception that would exit 1 ("internal error") on
// input that is merely malformed.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>

#include "core/error.hpp"

namespace kohort::fuzz {

// Runs f(); returns normally for input errors, aborts (a libFuzzer finding) for anything else.
template <typename F>
void expect_clean(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        if (e.code() == ExitCode::internal) {
            std::fprintf(stderr, "fuzz: internal error (exit 1) on malformed input: %s\n", e.what());
            std::abort();
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz: unexpected %s: %s\n", typeid(e).name(), e.what());
        std::abort();
    }
}

// A per-process scratch file for readers that take a path (written anew on every input).
inline std::string scratch_file(const char* suffix) {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir && *dir ? dir : "/tmp") + "/kohort_fuzz_" + std::to_string(::getpid()) + suffix;
}

inline void write_file(const std::string& path, const std::uint8_t* data, std::size_t size) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

}  // namespace kohort::fuzz
