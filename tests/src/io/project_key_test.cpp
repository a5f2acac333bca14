#include "io/project_key.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "core/error.hpp"
#include "test_util.hpp"

namespace kohort::io {
namespace {

using test::error_of;

TEST(ProjectKey, KeygenWritesHexWithMode600AndNeverOverwrites) {
    auto dir = test::scratch_dir();
    const std::string path = (dir / "project.key").string();
    ::umask(022);
    write_new_project_key(path);
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    std::ifstream in(path);
    std::string text;
    std::getline(in, text);
    EXPECT_EQ(text.size(), 2 * kKeygenBytes);
    EXPECT_EQ(text.find_first_not_of("0123456789abcdef"), std::string::npos);
    ProjectKey k = read_project_key(path);
    EXPECT_EQ(k.size(), kKeygenBytes);

    EXPECT_NE(error_of<UsageError>([&] { write_new_project_key(path); }).find("already exists"), std::string::npos);
    std::ifstream again(path);
    std::string text2;
    std::getline(again, text2);
    EXPECT_EQ(text, text2);

    const std::string other = (dir / "other.key").string();
    write_new_project_key(other);
    std::ifstream o(other);
    std::string text3;
    std::getline(o, text3);
    EXPECT_NE(text, text3);
    std::filesystem::remove_all(dir);
}

TEST(ProjectKey, RawBytesAreUsedAsTheSecretWhenNotHex) {
    auto dir = test::scratch_dir();
    const auto path = test::write_file(dir / "raw.key", std::string(40, 'z'));
    EXPECT_EQ(read_project_key(path).size(), 40u);
    const auto hex = test::write_file(dir / "hex.key", std::string(64, 'a') + "\n");
    EXPECT_EQ(read_project_key(hex).size(), 32u);
    std::filesystem::remove_all(dir);
}

TEST(ProjectKey, ShortKeysAreRefusedByGovernance) {
    auto dir = test::scratch_dir();
    const auto hex31 = test::write_file(dir / "short.key", std::string(62, 'a') + "\n");
    const std::string msg = error_of<GovernanceError>([&] { read_project_key(hex31); });
    EXPECT_NE(msg.find("31-byte secret"), std::string::npos);
    EXPECT_EQ(msg.find("aaaa"), std::string::npos);  // no key material in messages
    const auto raw = test::write_file(dir / "raw.key", "secret");
    EXPECT_NE(error_of<GovernanceError>([&] { read_project_key(raw); }).find("at least 32 bytes"), std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST(ProjectKey, KeysOthersCanUseAreRefusedByGovernance) {
    auto dir = test::scratch_dir();
    for (mode_t mode : {0644, 0640, 0604, 0620, 0602}) {
        const auto path = test::write_file(dir / "k.key", std::string(64, 'b'), mode);
        const std::string msg = error_of<GovernanceError>([&] { read_project_key(path); });
        EXPECT_NE(msg.find("chmod 600"), std::string::npos) << std::oct << mode;
    }
    const auto ok = test::write_file(dir / "ro.key", std::string(64, 'b'), 0400);
    EXPECT_EQ(read_project_key(ok).size(), 32u);
    std::filesystem::remove_all(dir);
}

TEST(ProjectKey, MissingKeyFileIsAUsageErrorNamingIt) {
    const std::string msg = error_of<UsageError>([] { read_project_key("/nonexistent/kohort.key"); });
    EXPECT_NE(msg.find("/nonexistent/kohort.key"), std::string::npos);
    try {
        read_project_key("/nonexistent/kohort.key");
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ExitCode::usage);
    }
}

}  // namespace
}  // namespace kohort::io
