// Reading an untrusted file's structure in a child process first. Debian 12's libhdf5 (1.10.8)
// crashes or hangs on some damaged files, in its very first calls (H5Lexists, H5Aexists, H5Aread
// of a variable-length string: docs/fuzzing.md, findings 2, 3, 5 and 6), and no check kohort could
// make beforehand sees the damage. So the same metadata walk the job is about to make runs first in
// a forked child: if the library crashes or hangs there, the job refuses the file with exit 2 and
// never makes those calls itself. fork() rather than spawning a helper binary, so the child runs
// the very code of the process that asked (kohort, a test, a fuzz target) and needs no MPI; the
// child makes no MPI call and leaves with _exit (docs/format.md, "Damaged and foreign stores").
#pragma once
#include <chrono>
#include <functional>
#include <string>

namespace kohort::child_probe {

struct Outcome {
    enum class Kind { survived, crashed, hung, not_run };
    Kind kind = Kind::not_run;
    int signal = 0;     // crashed: the signal that ended the child (0: it exited non-zero, e.g. a sanitizer)
    int exit_code = 0;  // crashed without a signal: its exit status
    std::string why_not_run;  // not_run: why fork failed
};

// Runs `walk` in a forked child with stdout and stderr sent to /dev/null and no core file.
// `walk` throwing is survival (the parent's own walk then throws the same error with its message);
// only a death by signal, a non-zero exit or outliving `limit` (the child is then killed) count
// against the file.
Outcome run(const std::function<void()>& walk, std::chrono::milliseconds limit);

// Called first in every child, e.g. by a fuzz target to switch off its crash reporting there (the
// child's death is the expected outcome of a damaged file, not a finding). Null by default.
void set_child_hook(void (*hook)());

// The words for an outcome: "crashed with SIGSEGV", "did not finish within 120 s", ...
std::string describe(const Outcome& o, std::chrono::milliseconds limit);

}  // namespace kohort::child_probe
