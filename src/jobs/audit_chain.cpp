// The audit log's hash chain: sealing a record (writer) and checking a log (kohort audit verify).
#include <fstream>

#include "core/error.hpp"
#include "jobs/audit.hpp"
#include "jobs/sha256.hpp"

namespace kohort {

namespace {

// Compact JSON, one line; invalid UTF-8 in a user's text is replaced rather than refused.
std::string one_line(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

const std::string kSealKey = "\"record_sha256\":\"";

bool is_chained(const nlohmann::json& j) {
    return j.is_object() && j.contains("seq") && j.contains("prev_sha256") && j.contains("record_sha256");
}

}  // namespace

SealedAuditRecord seal_audit_record(nlohmann::json record, std::int64_t seq, const std::string& prev_sha256) {
    record["seq"] = seq;
    record["prev_sha256"] = prev_sha256;
    record["record_sha256"] = "";
    std::string seal = sha256_hex_of(one_line(record));
    record["record_sha256"] = seal;
    return {one_line(record), std::move(seal)};
}

bool audit_seal_holds(const std::string& line, const nlohmann::json& parsed) {
    if (!parsed["record_sha256"].is_string()) return false;
    const std::string seal = parsed["record_sha256"].get<std::string>();
    if (seal.size() != 64) return false;
    // The seal is the hash of the line as written with an empty seal, so undo exactly that text.
    // String values are JSON-escaped, so this key-and-value text occurs only as the top-level key.
    const std::string written = kSealKey + seal + "\"";
    const auto at = line.find(written);
    if (at == std::string::npos) return false;
    std::string unsealed = line;
    unsealed.replace(at, written.size(), kSealKey + "\"");
    return sha256_hex_of(unsealed) == seal;
}

AuditChainCheck verify_audit_log(const std::string& log_path) {
    std::ifstream in(log_path, std::ios::binary);
    if (!in) throw UsageError("cannot read the audit log " + log_path + " (does it exist? set --log PATH)");
    AuditChainCheck check;
    std::string line;
    std::string prev = kAuditGenesis;
    std::int64_t lineno = 0;
    auto fail = [&](const std::string& why) {
        check.ok = false;
        check.failing_line = lineno;
        check.reason = why;
        return check;
    };
    while (std::getline(in, line)) {
        ++lineno;
        if (in.eof()) return fail("incomplete record: the line has no newline (a write was cut short)");
        const auto parsed = nlohmann::json::parse(line, nullptr, false);
        if (parsed.is_discarded() || !parsed.is_object()) return fail("not a JSON record");
        if (!is_chained(parsed)) {
            // Records written before the chain existed may only lead the log; one after a chained
            // record means a chained record was stripped of its chain fields.
            if (check.records > 0) return fail("record has no seq/prev_sha256/record_sha256, after chained records");
            ++check.legacy_records;
            prev = sha256_hex_of(line);
            continue;
        }
        if (!audit_seal_holds(line, parsed))
            return fail("record_sha256 does not match the record's content: the record was edited");
        if (!parsed["seq"].is_number_integer() || parsed["seq"].get<std::int64_t>() != lineno)
            return fail("seq is " + parsed["seq"].dump() + ", expected " + std::to_string(lineno) +
                        ": a record before it was removed, or records were reordered");
        if (parsed["prev_sha256"] != prev)
            return fail("prev_sha256 does not match line " + std::to_string(lineno - 1) +
                        ": a record was removed, reordered or edited");
        ++check.records;
        prev = sha256_hex_of(line);
    }
    check.head_sha256 = lineno > 0 ? prev : kAuditGenesis;
    return check;
}

std::vector<nlohmann::json> read_verified_audit_log(const std::string& log_path, AuditChainCheck* out) {
    const AuditChainCheck check = verify_audit_log(log_path);
    if (out) *out = check;
    if (!check.ok)
        throw GovernanceError(log_path + ":" + std::to_string(check.failing_line) + ": the audit chain does not hold: " +
                              check.reason);
    std::vector<nlohmann::json> records;
    std::ifstream in(log_path, std::ios::binary);
    std::string line;
    while (std::getline(in, line)) records.push_back(nlohmann::json::parse(line, nullptr, false));
    return records;
}

}  // namespace kohort
