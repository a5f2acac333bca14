#include "io/root_only.hpp"

#include <chrono>
#include <exception>
#include <thread>

#include "core/error.hpp"

namespace kohort::io {

int run_on_root(const Comm& comm, const std::function<void()>& work) {
    if (comm.size() == 1) {
        work();
        return 0;
    }
    int code = 0;
    std::exception_ptr failure;
    if (comm.is_root()) {
        try {
            work();
        } catch (const Error& e) {
            code = static_cast<int>(e.code());
            failure = std::current_exception();
        } catch (...) {
            code = static_cast<int>(ExitCode::internal);
            failure = std::current_exception();
        }
    }
    MPI_Request request;
    MPI_Ibcast(&code, 1, MPI_INT, 0, comm.raw(), &request);
    int done = 0;
    while (!done) {
        MPI_Test(&request, &done, MPI_STATUS_IGNORE);
        if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (failure) std::rethrow_exception(failure);
    return 0;
}

}  // namespace kohort::io
