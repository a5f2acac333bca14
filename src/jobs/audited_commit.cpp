#include "jobs/audited_commit.hpp"

#include "jobs/audit.hpp"

namespace kohort {

void commit_with_audit(OutputDir& out, nlohmann::json record, const std::string& log_path,
                       const RecordHashSlot& slot) {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : out.stage()) files.push_back({{"name", f.name}, {"sha256", f.sha256}, {"bytes", f.bytes}});
    record["status"] = "succeeded";
    record["exit_code"] = 0;
    record["output_files"] = files;
    const std::string record_sha256 = append_audit_record(log_path, record);  // throws before anything is released
    if (!slot.file.empty())
        out.replace_once_in_staged(slot.file, slot.before + kUnsealedRecordHash, slot.before + record_sha256);
    out.publish();
}

}  // namespace kohort
