// SIGTERM is agreed by all ranks at safe points (contract section 9, src/mpi/preemption.hpp).
#include <gtest/gtest.h>

#include <csignal>

#include "mpi/preemption.hpp"

using namespace kohort;

TEST(Preemption, NoSignalNoStop) {
    Comm comm;
    clear_stop_for_testing();
    EXPECT_FALSE(stop_agreed(comm));
    EXPECT_NO_THROW(safe_point(comm));
}

TEST(Preemption, OneRankSignalledStopsEveryRankAtTheSameSafePoint) {
    Comm comm;
    clear_stop_for_testing();
    const StopSignalGuard guard;
    // Only the last rank receives a real SIGTERM; the process must survive it.
    if (comm.rank() == comm.size() - 1) ASSERT_EQ(std::raise(SIGTERM), 0);
    EXPECT_TRUE(stop_agreed(comm));
    int threw = 0;
    try {
        safe_point(comm);
    } catch (const Preempted& e) {
        threw = 1;
        EXPECT_EQ(e.code(), ExitCode::preempted);
        EXPECT_EQ(static_cast<int>(e.code()), 143);
    }
    EXPECT_EQ(comm.allreduce(threw), comm.size()) << "every rank must stop at the same safe point";
    clear_stop_for_testing();
}

TEST(Preemption, GuardRestoresThePreviousHandler) {
    struct sigaction before {};
    sigaction(SIGTERM, nullptr, &before);
    {
        const StopSignalGuard guard;
        struct sigaction during {};
        sigaction(SIGTERM, nullptr, &during);
        EXPECT_NE(during.sa_handler, before.sa_handler);
    }
    struct sigaction after {};
    sigaction(SIGTERM, nullptr, &after);
    EXPECT_EQ(after.sa_handler, before.sa_handler);
}
