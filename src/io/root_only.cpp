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
    // Throws (InternalError) if the broadcast or a poll of it fails, instead of polling forever.
    comm.broadcast_polling(code, 0, 5);
    if (failure) std::rethrow_exception(failure);
    if (code != 0) {
        // Rank 0 is on its way to MPI_Abort. Ranks that went on to MPI_Finalize meanwhile can leave
        // Open MPI's mpirun hanging after the abort (seen under load), so they wait here, polling
        // and sleeping, to be ended by it; if no abort comes they leave with rank 0's exit code.
        for (int waited_ms = 0; waited_ms < 60000; waited_ms += 50)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return code;
    }
    return 0;
}

}  // namespace kohort::io
