// Store open and read (store/): the input is written as a file and opened as a store, serially
// (no MPI-IO); every table's metadata is read, then every column's values, so the checks on read
// (store_checks) and HDF5's own parsing of a damaged file both run. Seeds: the good and broken
// stores of tests/src/store/broken_stores.py (README.md).
#include <mpi.h>

#include <cstdlib>
#include <string>

#include "fuzz_common.hpp"
#include "store/child_probe.hpp"
#include "store/store.hpp"

extern "C" void __sanitizer_set_death_callback(void (*)(void)) __attribute__((weak));

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    MPI_Init(argc, argv);  // parallel HDF5 is linked; serial access still expects MPI to be up
    // Store::open first walks the file in a forked child (store/child_probe.hpp). Where libhdf5
    // crashes there, kohort refuses the file with exit 2: the target sees that BadStoreError, and
    // the child must not report its death as this target's crash (libFuzzer's death callback
    // would write a crash artifact). A hang is cut at 2 s, well inside libFuzzer's -timeout.
    kohort::child_probe::set_child_hook([] {
        if (&__sanitizer_set_death_callback) __sanitizer_set_death_callback(nullptr);
    });
    ::setenv("KOHORT_STORE_PROBE_SECONDS", "2", 0);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string path = kohort::fuzz::scratch_file(".h5");
    kohort::fuzz::write_file(path, data, size);
    kohort::fuzz::expect_clean([&] {
        const kohort::Store store = kohort::Store::open(path, nullptr);
        for (const auto& name : store.table_names()) {
            const kohort::TableInfo info = store.info(name);
            (void)store.read_all(name);
            (void)info;
        }
    });
    return 0;
}
