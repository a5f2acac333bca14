#include "mpi/init.hpp"

#include <mpi.h>

#include <cstdlib>

namespace kohort {
namespace {
const char* level_name(int level) {
    switch (level) {
        case MPI_THREAD_SINGLE: return "MPI_THREAD_SINGLE";
        case MPI_THREAD_FUNNELED: return "MPI_THREAD_FUNNELED";
        case MPI_THREAD_SERIALIZED: return "MPI_THREAD_SERIALIZED";
        case MPI_THREAD_MULTIPLE: return "MPI_THREAD_MULTIPLE";
    }
    return "an unknown level";
}
}  // namespace

std::string init_mpi_funneled(int* argc, char*** argv) {
    int provided = -1;
    const int rc = MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    if (rc != MPI_SUCCESS) {
        char buf[MPI_MAX_ERROR_STRING];
        int len = 0;
        if (MPI_Error_string(rc, buf, &len) != MPI_SUCCESS) len = 0;
        return "MPI_Init_thread failed: " + std::string(buf, static_cast<std::size_t>(len));
    }
    // The levels are ordered SINGLE < FUNNELED < SERIALIZED < MULTIPLE (MPI 3.1, section 12.4.3).
    if (provided < MPI_THREAD_FUNNELED)
        return std::string("the MPI library provides only ") + level_name(provided) +
               "; kohort runs OpenMP threads beside MPI and needs at least MPI_THREAD_FUNNELED "
               "(use an MPI built with thread support)";
    return "";
}

void abort_after_failed_init(int code) {
    int up = 0;
    if (MPI_Initialized(&up) == MPI_SUCCESS && up) MPI_Abort(MPI_COMM_WORLD, code);
    std::exit(code);
}

}  // namespace kohort
