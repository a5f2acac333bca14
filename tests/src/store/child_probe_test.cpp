// store/child_probe: a walk that crashes, hangs, exits non-zero or throws in the forked child is
// told apart from one that survives, and the parent is unharmed by any of them.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "store/child_probe.hpp"

namespace kohort::child_probe {
namespace {

using namespace std::chrono_literals;

TEST(ChildProbe, SurvivingWalkIsSurvival) {
    const Outcome o = run([] {}, 10s);
    EXPECT_EQ(o.kind, Outcome::Kind::survived);
}

TEST(ChildProbe, ThrowingWalkIsSurvivalSoTheParentReportsItsOwnError) {
    const Outcome o = run([] { throw std::runtime_error("bad attribute"); }, 10s);
    EXPECT_EQ(o.kind, Outcome::Kind::survived);
}

TEST(ChildProbe, CrashIsToldWithItsSignal) {
    const Outcome o = run([] { std::raise(SIGSEGV); }, 10s);
    EXPECT_EQ(o.kind, Outcome::Kind::crashed);
    EXPECT_EQ(o.signal, SIGSEGV);
    EXPECT_EQ(describe(o, 10s), "crashed with SIGSEGV");
}

TEST(ChildProbe, ANonZeroExitIsACrash) {  // how a sanitizer's report ends a process
    const Outcome o = run([] { std::_Exit(1); }, 10s);
    EXPECT_EQ(o.kind, Outcome::Kind::crashed);
    EXPECT_EQ(o.signal, 0);
    EXPECT_EQ(o.exit_code, 1);
}

TEST(ChildProbe, AHangIsCutAtTheLimit) {
    const auto start = std::chrono::steady_clock::now();
    const Outcome o = run([] { std::this_thread::sleep_for(60s); }, 300ms);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(o.kind, Outcome::Kind::hung);
    EXPECT_LT(took, 10s);  // killed, not waited for
    EXPECT_EQ(describe(o, 300ms), "did not finish within 300 ms");
}

TEST(ChildProbe, APreemptionSignalToTheGroupIsNotAVerdictOnTheFile) {
    // SIGTERM sent to the whole process group (Slurm's preemption) reaches the child mid-walk.
    const Outcome o = run([] {
        ::kill(::getpid(), SIGTERM);
        std::this_thread::sleep_for(50ms);
    }, 10s);
    EXPECT_EQ(o.kind, Outcome::Kind::survived);
}

TEST(ChildProbe, ChildHookRunsInTheChildOnly) {
    static pid_t parent = ::getpid();
    set_child_hook([] {
        if (::getpid() == parent) std::abort();  // would end this test binary
        std::_Exit(0);                            // the walk below never runs
    });
    const Outcome o = run([] { std::raise(SIGSEGV); }, 10s);
    set_child_hook(nullptr);
    EXPECT_EQ(o.kind, Outcome::Kind::survived);
}

}  // namespace
}  // namespace kohort::child_probe
