#include "io/root_only.hpp"

#include <exception>

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
    return 0;
}

}  // namespace kohort::io
