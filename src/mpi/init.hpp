// Starting MPI for kohort's threading model: OpenMP threads compute, only the main thread calls MPI
// (MPI_THREAD_FUNNELED). The level the library grants is checked, not assumed.
#pragma once
#include <string>

namespace kohort {

// Calls MPI_Init_thread. Returns "" when MPI is up with at least MPI_THREAD_FUNNELED, otherwise a
// message saying what failed; the caller prints it and ends the process (abort_after_failed_init).
std::string init_mpi_funneled(int* argc, char*** argv);

// Ends every rank after init_mpi_funneled failed (MPI_Abort when MPI is up, exit otherwise).
[[noreturn]] void abort_after_failed_init(int code);

}  // namespace kohort
