#include "cli/slurm_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "core/error.hpp"

extern char** environ;

namespace kohort::cli {

std::optional<std::string> find_on_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    if (!path) return std::nullopt;
    std::istringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        if (dir.empty()) dir = ".";
        const std::string candidate = dir + "/" + name;
        struct stat st {};
        if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
            return candidate;
    }
    return std::nullopt;
}

bool is_launcher_variable(const std::string& name) {
    auto starts = [&](const char* p) { return name.rfind(p, 0) == 0; };
    // Set by Open MPI 4's singleton init (ess/singleton + its PMIx server) and by mpirun/orted.
    // A user's own OMPI_MCA_* tuning (e.g. OMPI_MCA_btl) is kept.
    return starts("PMIX_") || starts("PMI_") || starts("ORTE_") || starts("OMPI_COMMAND") ||
           starts("OMPI_APP_CTX_") || starts("OMPI_MCA_ess") || starts("OMPI_MCA_orte_") || name == "OMPI_MCA_pmix" ||
           starts("OMPI_COMM_WORLD_") || starts("OMPI_UNIVERSE_") || starts("OMPI_FIRST_RANKS") ||
           starts("OMPI_NUM_APP_CTX") || starts("OMPI_FILE_LOCATION") || name == "HFI_NO_BACKTRACE" ||
           name == "IPATH_NO_BACKTRACE";
}

namespace {

struct Pipe {
    int fd[2] = {-1, -1};
    Pipe() {
        if (::pipe2(fd, O_CLOEXEC) != 0) throw InternalError(std::string("pipe: ") + std::strerror(errno));
    }
    ~Pipe() {
        for (int f : fd)
            if (f >= 0) ::close(f);
    }
    void close_end(int i) {
        if (fd[i] >= 0) ::close(fd[i]);
        fd[i] = -1;
    }
};

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    std::vector<std::string> env_store;
    for (char** e = environ; e && *e; ++e) {
        const std::string entry = *e;
        if (!is_launcher_variable(entry.substr(0, entry.find('=')))) env_store.push_back(entry);
    }
    std::vector<char*> env;
    for (auto& s : env_store) env.push_back(s.data());
    env.push_back(nullptr);

    Pipe out, err;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out.fd[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err.fd[1], 2);
    pid_t pid = 0;
    // posix_spawn (vfork-like) rather than fork: safe after MPI_Init with any transport.
    const int rc = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw InternalError("cannot start " + argv[0] + ": " + std::strerror(rc));
    out.close_end(1);
    err.close_end(1);

    ProcessResult result;
    pollfd fds[2] = {{out.fd[0], POLLIN, 0}, {err.fd[0], POLLIN, 0}};
    std::string* sinks[2] = {&result.out, &result.err};
    int open_fds = 2;
    char buf[4096];
    while (open_fds > 0) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            throw InternalError(std::string("poll: ") + std::strerror(errno));
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n > 0) {
                sinks[i]->append(buf, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) throw InternalError(std::string("waitpid: ") + std::strerror(errno));
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

}  // namespace kohort::cli
