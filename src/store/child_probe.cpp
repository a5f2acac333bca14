#include "store/child_probe.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <thread>

namespace kohort::child_probe {

namespace {

void (*g_child_hook)() = nullptr;

[[noreturn]] void child_main(const std::function<void()>& walk, pid_t parent) {
    // Never outlive the parent (a hang in the child would otherwise spin on after a killed job).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(0);
    if (g_child_hook) g_child_hook();
    // The child dies by the signal itself: no handler of the parent's (a crash reporter, say) runs.
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(sig, SIG_DFL);
    // A preemption or Ctrl-C sent to the whole process group is the parent's to handle; killed by it,
    // the child would look like a crash on the file.
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGCONT}) std::signal(sig, SIG_IGN);
    const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (devnull >= 0) {
        ::dup2(devnull, STDOUT_FILENO);
        ::dup2(devnull, STDERR_FILENO);
    }
    const rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    try {
        walk();
    } catch (...) {
        // An error the walk reports itself is the parent's to report, with its own message.
    }
    ::_exit(0);  // no atexit handlers, no MPI, no flushing of the parent's buffers
}

}  // namespace

void set_child_hook(void (*hook)()) { g_child_hook = hook; }

Outcome run(const std::function<void()>& walk, std::chrono::milliseconds limit) {
    Outcome out;
    std::fflush(stdout);  // the child's copy of unflushed output must not be written twice
    std::fflush(stderr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
        out.why_not_run = std::string("fork failed: ") + std::strerror(errno);
        return out;
    }
    if (pid == 0) child_main(walk, parent);

    const auto deadline = std::chrono::steady_clock::now() + limit;
    auto pause = std::chrono::microseconds(200);
    int status = 0;
    for (;;) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) break;
        if (done < 0 && errno != EINTR) {
            out.kind = Outcome::Kind::not_run;
            out.why_not_run = std::string("waitpid failed: ") + std::strerror(errno);
            return out;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            ::kill(pid, SIGKILL);
            while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            out.kind = Outcome::Kind::hung;
            return out;
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::microseconds(20000));
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        out.kind = Outcome::Kind::survived;
    } else {
        out.kind = Outcome::Kind::crashed;
        if (WIFSIGNALED(status)) out.signal = WTERMSIG(status);
        else out.exit_code = WEXITSTATUS(status);
    }
    return out;
}

std::string describe(const Outcome& o, std::chrono::milliseconds limit) {
    switch (o.kind) {
        case Outcome::Kind::survived: return "read it without trouble";
        case Outcome::Kind::hung:
            return "did not finish within " +
                   (limit.count() >= 1000 ? std::to_string(limit.count() / 1000) + " s" : std::to_string(limit.count()) + " ms");
        case Outcome::Kind::not_run: return "could not be run (" + o.why_not_run + ")";
        case Outcome::Kind::crashed: break;
    }
    if (o.signal != 0) {
        const char* name = sigabbrev_np(o.signal);
        return "crashed with " + (name ? std::string("SIG") + name : "signal number " + std::to_string(o.signal));
    }
    return "crashed (its process ended with exit status " + std::to_string(o.exit_code) + ")";
}

}  // namespace kohort::child_probe
