// The job checkpoint (contract section 9): each completed model's output is saved, atomically,
// in a hidden folder beside the output folder, `.NAME.checkpoint/` for output `.../NAME`. A rerun
// of the same job (same job file and overrides, same input tables, same kohort version) restores
// those models instead of fitting them again; any other key discards the folder. The folder is
// removed once the output folder is committed.
//
// The folder holds kernel outputs as they would be released (results, CSV, SVG) and what each
// model recorded in the release layer (withheld and coarsened values); it is created 0700, like the staged output, since it belongs to
// the job's owner until release.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "jobs/job_file.hpp"
#include "kernels/kernel.hpp"
#include "mpi/comm.hpp"

namespace kohort {

// SHA-256 over the job's effective content (job file bytes and every parsed value, so --set
// overrides count), the store file's identity (inode, size, modification and change times: any
// rewrite of the store changes it), the rank count, the release policy in force (`release_policy`,
// ReleaseLayer::policy_description(); a site that tightens its policy invalidates outputs saved
// under the old one) and the kohort version. Collective: rank 0 computes it and
// sends it to every rank.
std::string checkpoint_key(const JobFile& job, const std::string& release_policy, const Comm& comm);

struct SavedModel {
    ModelOutput output;
    // What the model recorded in the job's release layer (ReleaseLayer::scope_record): restored
    // with the model, so disclosure.json equals an uninterrupted run's.
    nlohmann::json release_record;
};

class Checkpoint {
public:
    // Collective: rank 0 opens the folder (discarding one with another key) and sends the saved
    // models to every rank, so all ranks skip the same models.
    Checkpoint(const std::string& output, const std::string& key, const Comm& comm,
               const std::function<void(const std::string&)>& log);
    // The saved model called `name`, or null.
    const SavedModel* find(const std::string& name) const;
    std::size_t restored() const { return saved_.size(); }
    // Rank 0 writes the model to a temporary file, fsyncs it and renames it into the folder.
    void save(const std::string& name, const SavedModel& model);
    // Rank 0 removes the folder (after the output is committed).
    void remove();
    const std::string& folder() const { return folder_; }

private:
    const Comm& comm_;
    std::string folder_;
    std::string key_;
    std::map<std::string, SavedModel> saved_;
};

}  // namespace kohort
