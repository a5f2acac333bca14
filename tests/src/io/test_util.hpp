// Small helpers shared by the import tests: scratch files and expected-error checks.
#pragma once
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "core/error.hpp"

namespace kohort::io::test {

inline std::filesystem::path scratch_dir() {
    auto d = std::filesystem::temp_directory_path() /
             ("kohort_io_test_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(d);
    std::filesystem::create_directories(d);
    return d;
}

inline std::string write_file(const std::filesystem::path& p, const std::string& text, mode_t mode = 0600) {
    std::ofstream(p, std::ios::binary) << text;
    ::chmod(p.c_str(), mode);
    return p.string();
}

// Runs f, expects it to throw E, returns the message.
template <typename E>
std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "wrong exception type: " << e.what();
        return "";
    }
    ADD_FAILURE() << "no exception";
    return "";
}

}  // namespace kohort::io::test
