// Counts in error messages. A message printed on failure leaves the job like any other output, so
// under a disclosure policy a count of rows in it must not reveal a small number of persons (a
// cohort in which exactly one person has a value <= 0 under offset(log(x)), say; docs/governance.md).
// The job runner installs its release layer's rule for the job's lifetime (ScopedErrorCounts);
// outside a job (unit tests, import) counts are exact. Deep code that throws needs no access to the
// job's context: it writes error_count(n) or error_rows(n) where it would write the number.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <utility>

namespace kohort {

using ErrorCountRule = std::function<std::string(std::int64_t)>;

namespace detail {
inline const ErrorCountRule*& error_count_rule() {
    static const ErrorCountRule* rule = nullptr;
    return rule;
}
}  // namespace detail

// The count as an error message may show it.
inline std::string error_count(std::int64_t n) {
    const ErrorCountRule* rule = detail::error_count_rule();
    return rule ? (*rule)(n) : std::to_string(n);
}

// "1 row", "12 rows", "<5 rows": error_count with its noun.
inline std::string error_rows(std::int64_t n) {
    const std::string count = error_count(n);
    return count + (count == "1" ? " row" : " rows");
}

// Installs a rule until the end of the scope (the previous one comes back). Set before a job's
// kernels run and read only after, so threads need no lock.
class ScopedErrorCounts {
public:
    explicit ScopedErrorCounts(ErrorCountRule rule) : rule_(std::move(rule)), previous_(detail::error_count_rule()) {
        detail::error_count_rule() = &rule_;
    }
    ~ScopedErrorCounts() { detail::error_count_rule() = previous_; }
    ScopedErrorCounts(const ScopedErrorCounts&) = delete;
    ScopedErrorCounts& operator=(const ScopedErrorCounts&) = delete;

private:
    ErrorCountRule rule_;
    const ErrorCountRule* previous_;
};

}  // namespace kohort
