#include "mpi/preemption.hpp"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <thread>

namespace kohort {

namespace {
volatile std::sig_atomic_t g_stop = 0;
struct sigaction g_previous {};
int g_guards = 0;

extern "C" void on_stop_signal(int) { g_stop = 1; }
}  // namespace

StopSignalGuard::StopSignalGuard() {
    if (g_guards++ > 0) return;
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;  // a read or write in progress carries on; the flag is seen at the safe point
    sigaction(SIGTERM, &sa, &g_previous);
}

StopSignalGuard::~StopSignalGuard() {
    if (--g_guards > 0) return;
    sigaction(SIGTERM, &g_previous, nullptr);
}

bool stop_agreed(const Comm& comm) {
    const int local = g_stop ? 1 : 0;
    return comm.allreduce(local, ReduceOp::max) != 0;
}

void safe_point(const Comm& comm) {
    if (stop_agreed(comm)) throw Preempted();
}

void debug_pause_after_model(const Comm& comm) {
    const char* v = std::getenv("KOHORT_DEBUG_SLOW_MODELS");
    if (!v || !*v) return;
    // A fixed number of steps, not a deadline: every rank must make the same number of collectives.
    const int steps = static_cast<int>(std::atof(v) * 10);
    for (int i = 0; i < steps && !stop_agreed(comm); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

void request_stop_for_testing() { g_stop = 1; }
void clear_stop_for_testing() { g_stop = 0; }

}  // namespace kohort
