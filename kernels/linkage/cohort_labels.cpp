#include "kernels/linkage/cohort_labels.hpp"

#include <map>
#include <mutex>

namespace kohort::linkage {
namespace {

std::mutex& lock() {
    static std::mutex m;
    return m;
}

std::map<std::string, CohortLabels>& labels() {
    static std::map<std::string, CohortLabels> l;
    return l;
}

}  // namespace

void set_cohort_labels(const std::string& table, CohortLabels l) {
    std::lock_guard<std::mutex> g(lock());
    labels()[table] = std::move(l);
}

std::optional<CohortLabels> cohort_labels(const std::string& table) {
    std::lock_guard<std::mutex> g(lock());
    auto it = labels().find(table);
    if (it == labels().end()) return std::nullopt;
    return it->second;
}

}  // namespace kohort::linkage
