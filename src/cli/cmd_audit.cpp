// `kohort audit verify` and `kohort audit report` (contract sections 2 and 7): check the audit
// log's hash chain, and print the public transparency report. Both read the log on rank 0 only.
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>

#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/help_texts.hpp"  // generated from src/cli/help/*.txt
#include "core/error.hpp"
#include "jobs/audit.hpp"
#include "jobs/audit_report.hpp"
#include "jobs/site_config.hpp"

namespace kohort::cli {
namespace po = boost::program_options;

namespace {

std::string log_path_or_default(const std::string& given) {
    if (!given.empty()) return given;
    const std::string path = load_site_config().audit_log;
    if (path.empty()) throw UsageError("kohort audit: no audit log configured; pass --log PATH");
    return path;
}

int audit_verify(const Args& args, const Comm& comm) {
    CommandLine cmd("audit verify", help::audit_verify);
    std::string log, head;
    cmd.add_options()("log", po::value(&log), "the audit log (default: the site's)")(
        "head", po::value(&head), "fail unless the last record's SHA-256 is this (a published head)");
    if (!cmd.parse(args, comm)) return 0;
    log = log_path_or_default(log);
    if (!comm.is_root()) return 0;
    const AuditChainCheck check = verify_audit_log(log);
    if (!check.ok)
        throw GovernanceError(log + ":" + std::to_string(check.failing_line) + ": the audit chain does not hold: " +
                              check.reason);
    if (!head.empty() && head != check.head_sha256)
        throw GovernanceError(log + ": the head record's SHA-256 is " + check.head_sha256 + ", not " + head +
                              ": records were removed from the end, or the log was replaced");
    std::printf("audit log %s: chain holds, %lld record(s); head sha256 %s\n", log.c_str(),
                static_cast<long long>(check.records + check.legacy_records), check.head_sha256.c_str());
    if (check.legacy_records > 0)
        std::printf("note: the first %lld record(s) predate the hash chain and are not protected by it\n",
                    static_cast<long long>(check.legacy_records));
    return 0;
}

int audit_report_command(const Args& args, const Comm& comm) {
    CommandLine cmd("audit report", help::audit_report);
    std::string log;
    AuditReportOptions ro;
    cmd.add_options()("log", po::value(&log), "the audit log (default: the site's)")(
        "since", po::value(&ro.since), "only jobs from this UTC day on (YYYY-MM-DD)")(
        "format", po::value(&ro.format)->default_value(ro.format), "json (per project) or csv (one row per job)");
    if (!cmd.parse(args, comm)) return 0;
    log = log_path_or_default(log);
    if (!comm.is_root()) return 0;
    AuditChainCheck check;
    const auto records = read_verified_audit_log(log, &check);
    std::cout << audit_report(records, check, ro);
    return 0;
}

}  // namespace

int cmd_audit(const Args& args, const Comm& comm) {
    const std::string sub = args.empty() ? "" : args.front();
    const Args rest(args.begin() + (args.empty() ? 0 : 1), args.end());
    if (sub == "verify") return audit_verify(rest, comm);
    if (sub == "report") return audit_report_command(rest, comm);
    if (sub == "--help" || sub == "-h" || sub == "help") {
        if (comm.is_root()) std::cout << help::audit << "\n";
        return 0;
    }
    if (comm.is_root()) std::cerr << help::audit << "\n";
    throw UsageError(sub.empty() ? "kohort audit: expected a subcommand, verify or report"
                                 : "kohort audit: unknown subcommand '" + sub + "'; expected verify or report");
}

}  // namespace kohort::cli
