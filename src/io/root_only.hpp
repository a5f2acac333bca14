// Runs a serial piece of work on rank 0 while the other ranks wait (import and keygen are serial:
// one CSV, one key). Waiting ranks poll a non-blocking broadcast and sleep in between, so they do not
// spin on the cores rank 0 is using.
#pragma once
#include <functional>

#include "mpi/comm.hpp"

namespace kohort::io {

// On one rank: runs `work` and lets its exceptions through. On several: rank 0 runs it; if it throws,
// rank 0 rethrows after telling the others, which then wait quietly to be ended by rank 0's error
// path (main prints the message and aborts the job with its exit code), so the message is printed
// once and never cut off by another rank's abort; they return rank 0's exit code only if no abort
// comes within a minute. Returns 0 on success.
int run_on_root(const Comm& comm, const std::function<void()>& work);

}  // namespace kohort::io
