// What a first write to memory costs on this machine, against a write to memory the process has
// just freed (docs/benchmarks-cox.md, "Fresh memory"). On the project VM (Firecracker with the PVM
// hypervisor and free page reporting, `page_reporting.page_reporting_order=11` on the kernel command
// line) pages the guest has not touched lately are backed by the host only on first touch, so a
// first write runs at well under 1 GiB/s even with transparent huge pages, while pages this process
// freed a moment ago come back at memory speed. This is why kohort's large buffers reuse freed
// pages (cox_distribute.cpp, store/prefault.hpp) rather than fault in fresh ones ahead.
//
// Usage: first_touch [MIB] [DELAY_MS]   (build: c++ -O2 -o first_touch bench/first_touch.cpp)
// Four buffers of MIB MiB (default 320, a Cox design matrix's share at 4M x 20 on 2 ranks), each
// advised for huge pages and populated with MADV_POPULATE_WRITE, timed: A and B fresh, C right after
// A is unmapped (after DELAY_MS milliseconds, default 0), D fresh again.
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace {

double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

char* map(std::size_t bytes) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        std::perror("mmap");
        std::exit(1);
    }
    madvise(p, bytes, MADV_HUGEPAGE);
    return static_cast<char*>(p);
}

double populate(char* p, std::size_t bytes) {
    const double t0 = now();
    if (madvise(p, bytes, 23 /* MADV_POPULATE_WRITE, Linux 5.14 */) != 0)
        for (std::size_t i = 0; i < bytes; i += 4096) p[i] = 1;  // older kernels: touch each page
    return now() - t0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::size_t mib = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 320;
    const int delay_ms = argc > 2 ? std::atoi(argv[2]) : 0;
    const std::size_t bytes = mib << 20;
    char* a = map(bytes);
    const double ta = populate(a, bytes);
    char* b = map(bytes);
    const double tb = populate(b, bytes);
    munmap(a, bytes);
    usleep(static_cast<useconds_t>(delay_ms) * 1000);
    char* c = map(bytes);
    const double tc = populate(c, bytes);
    char* d = map(bytes);
    const double td = populate(d, bytes);
    auto rate = [&](double s) { return static_cast<double>(mib) / 1024.0 / s; };
    std::printf("%zu MiB each: A fresh %.3f s (%.2f GiB/s), B fresh %.3f s (%.2f GiB/s), "
                "C after freeing A (%d ms) %.3f s (%.2f GiB/s), D fresh %.3f s (%.2f GiB/s)\n",
                mib, ta, rate(ta), tb, rate(tb), delay_ms, tc, rate(tc), td, rate(td));
    munmap(b, bytes);
    munmap(c, bytes);
    munmap(d, bytes);
}
