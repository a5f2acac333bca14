// Preemption (contract section 9): SIGTERM (Slurm preemption, `scontrol requeue`, a time-limit
// warning) only sets a flag; the job stops at its next safe point, where all ranks agree on the
// flag with one allreduce, so every rank stops at the same point and no rank waits in a
// collective for one that has gone. Safe points: between models (the runner) and between
// iterations of long fits (cox, glm, finegray), where nothing partial has been released.
#pragma once
#include "core/error.hpp"
#include "mpi/comm.hpp"

namespace kohort {

// Thrown on every rank at once when the ranks agree to stop. The job then releases nothing, keeps
// its checkpoint, and exits 143.
class Preempted : public Error {
public:
    Preempted()
        : Error(ExitCode::preempted,
                "stopped by SIGTERM at a safe point; completed models are kept in the checkpoint beside the "
                "output folder, and running the same job again resumes from them") {}
};

// While alive, SIGTERM sets the stop flag instead of ending the process (the previous handler is
// restored on destruction). One per run_job.
class StopSignalGuard {
public:
    StopSignalGuard();
    ~StopSignalGuard();
    StopSignalGuard(const StopSignalGuard&) = delete;
    StopSignalGuard& operator=(const StopSignalGuard&) = delete;
};

// True on every rank when any rank has received SIGTERM (collective).
bool stop_agreed(const Comm& comm);
// A safe point: throws Preempted on every rank when stop_agreed (collective).
void safe_point(const Comm& comm);
// Test hook for preemption tests (collective): KOHORT_DEBUG_SLOW_MODELS=SECONDS waits after each
// fitted model, watching for SIGTERM, so a test's signal lands while the job runs. Documented in
// docs/jobs.md; it can only delay a job, never change a result.
void debug_pause_after_model(const Comm& comm);
// For tests: as if SIGTERM had arrived on this rank.
void request_stop_for_testing();
void clear_stop_for_testing();

}  // namespace kohort
