// Job sections that derive tables before models run (e.g. issue 5's [cohort.NAME] study
// definitions). A builder registers for a section prefix; the runner calls it for every section
// `[PREFIX.NAME]` (or `[PREFIX]`, named PREFIX) and makes the returned table available to
// [model.*] sections as `table = NAME`.
#pragma once
#include <functional>
#include <map>
#include <string>

#include "engine/kernel.hpp"
#include "jobs/disclosure.hpp"
#include "jobs/job_file.hpp"
#include "jobs/release.hpp"
#include "mpi/comm.hpp"
#include "store/store.hpp"
#include "store/table.hpp"

namespace kohort {

struct DerivedTableContext {
    const Comm& comm;
    const JobFile& job;
    const std::string& section;                            // full section name, e.g. "cohort.study"
    const std::string& name;                               // the table name it defines, e.g. "study"
    const std::map<std::string, std::string>& options;     // the section's keys
    const Store& store;                                    // opened collectively
    std::function<void(const std::string&)> log;
    nlohmann::json& report;                                // aggregate facts for results.json (counts only)
    const DisclosurePolicy& policy;                        // the job's effective disclosure policy
    // Throws GovernanceError (exit 3) when the job's project may not read table.column.
    std::function<void(const std::string& table, const std::string& column)> approve;
    ReleaseLayer* release = nullptr;                       // the job's release layer: counts in `report` pass it
};

using DerivedTableBuilder = std::function<Table(const DerivedTableContext&)>;

class DerivedTableRegistry {
public:
    static DerivedTableRegistry& instance();
    void add(const std::string& prefix, DerivedTableBuilder builder) { builders_[prefix] = std::move(builder); }
    const DerivedTableBuilder* find(const std::string& prefix) const {
        auto it = builders_.find(prefix);
        return it == builders_.end() ? nullptr : &it->second;
    }

private:
    std::map<std::string, DerivedTableBuilder> builders_;
};

struct DerivedTableRegistrar {
    DerivedTableRegistrar(const std::string& prefix, DerivedTableBuilder b) {
        DerivedTableRegistry::instance().add(prefix, std::move(b));
    }
};

#define KOHORT_REGISTER_DERIVED_TABLE(prefix, fn) \
    static const ::kohort::DerivedTableRegistrar KOHORT_CONCAT(kohort_derived_, __LINE__){prefix, fn}

}  // namespace kohort
