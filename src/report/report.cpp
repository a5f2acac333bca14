#include "report/report.hpp"

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "core/error.hpp"
#include "report/released.hpp"

namespace kohort::report {
namespace fs = std::filesystem;
namespace {

// Nothing may load from anywhere: no script, font, image, frame or connection; only the page's own
// <style> and inline SVG. (A meta CSP covers everything but frame-ancestors, which a file needs not.)
constexpr const char* kCsp =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src 'none'; script-src 'none'; "
    "connect-src 'none'; base-uri 'none'; form-action 'none'";

constexpr const char* kStyle = R"css(
:root{--ink:#1d2430;--muted:#5b6575;--line:#d8dde6;--accent:#1b6ca8;--warn:#a4262c;--ok:#2e7d32;--coarse:#8a5a00;--bg:#f6f8fb}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:1100px;margin:0 auto;padding:16px}
header,section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin:0 0 16px}
h1{margin:0 0 8px;font-size:1.7em}h2{margin:0 0 10px;font-size:1.3em;border-bottom:2px solid var(--accent);padding-bottom:4px}
h3{font-size:1.08em;margin:16px 0 6px}
.kicker{margin:0;color:var(--muted);text-transform:uppercase;letter-spacing:.08em;font-size:.8em}
nav{margin:0 0 16px;display:flex;flex-wrap:wrap;gap:6px}
nav a{background:#fff;border:1px solid var(--line);border-radius:14px;padding:2px 10px;text-decoration:none;color:var(--accent)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:8px 0}
dt{font-weight:600;color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
.scroll{overflow-x:auto;margin:8px 0}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;min-width:50%}
caption{text-align:left;font-weight:600;padding:4px 0;color:var(--muted)}
th,td{border-bottom:1px solid var(--line);padding:4px 10px;text-align:left;vertical-align:top}
thead th{background:#eef2f7}tbody th{font-weight:500}
table.num td{text-align:right;white-space:nowrap}
figure{margin:12px 0}figure svg{max-width:100%;height:auto;display:block;background:#fff}
figcaption{color:var(--muted);font-size:.9em}
.flowwrap{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}.flowwrap figure{flex:1 1 420px}
svg.flow .box{fill:#eef4fb;stroke:var(--accent);stroke-width:1.5}svg.flow .side{fill:#fff;stroke:#9aa5b5;stroke-dasharray:4 3}
svg.flow .arrow{stroke:#555;stroke-width:1.5}svg.flow .head{fill:#555}
svg.flow text{font:14px system-ui,Helvetica,Arial,sans-serif;fill:var(--ink)}svg.flow text.excl{font-size:13px;fill:var(--muted)}
.badge{font-size:.7em;background:var(--accent);color:#fff;border-radius:10px;padding:1px 8px;vertical-align:middle}
.formula code{font-size:1.05em;background:#eef2f7;padding:4px 8px;border-radius:4px;display:inline-block}
.warn{color:var(--warn)}.ok{color:var(--ok)}.coarse{color:var(--coarse)}.muted{color:var(--muted)}
pre{white-space:pre-wrap;font-size:.85em;background:#f3f4f6;padding:8px;border-radius:4px}
ul.tables{margin:0;padding-left:18px}
footer{color:var(--muted);font-size:.85em;text-align:center;padding:8px}
@media (max-width:600px){main{padding:8px}header,section{padding:12px}dl{grid-template-columns:1fr}dt{margin-top:6px}h1{font-size:1.35em}}
)css";

}  // namespace

std::string audit_hash_markup(const std::string& record_sha256) {
    return kAuditHashMarker + record_sha256 + "</code>";
}

std::string audit_hash_shown(const std::string& page) {
    static const std::regex shown(std::string(kAuditHashMarker) + "([0-9a-f]{64})</code>");  // no regex metacharacters in the marker
    std::smatch m;
    return std::regex_search(page, m, shown) ? m.str(1) : "";
}

std::string build_report(const FileMap& released, const std::string& audit_record_sha256) {
    Released r(released);
    r.audit_record_sha256 = audit_record_sha256;
    const json& job = field(r.results, "job");
    const std::string title = field(job, "name").is_string() ? field(job, "name").get<std::string>() : "kohort job";

    std::string nav = "<nav aria-label=\"Sections\"><a href=\"#job\">Job</a>";
    std::string body = header_section(r);
    const std::string flow = flow_section(r);
    if (!flow.empty()) nav += "<a href=\"#cohort\">Cohort flow</a>";
    body += flow;
    if (r.models().is_object())
        for (const auto& [name, model] : r.models().items()) {
            nav += "<a href=\"#model-" + anchor(name) + "\">" + esc(name) + "</a>";
            body += model_section(r, name, model);
        }
    nav += "<a href=\"#checker\">Output checking</a>";
    body += checker_section(r);
    const std::string log = log_section(r);
    if (!log.empty()) nav += "<a href=\"#log\">Job log</a>";
    body += log;
    nav += "</nav>\n";

    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta http-equiv=\"Content-Security-Policy\" content=\"" + std::string(kCsp) + "\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<meta name=\"generator\" content=\"kohort report\">\n"
           "<title>" + esc(title) + " – kohort report</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<main>\n" +
           nav + body +
           "<footer>Built by <code>kohort report</code> from the job's released files only.</footer>\n</main>\n</body>\n</html>\n";
}

FileMap read_released_files(const std::string& folder) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec))
        throw UsageError("kohort report: '" + folder + "' is not a folder; expected a job's output folder (with results.json)");
    FileMap files;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
        if (!entry.is_regular_file()) continue;
        const std::string name = entry.path().filename().string();
        if (name == kReportFile || name.empty() || name[0] == '.') continue;
        std::ifstream in(entry.path(), std::ios::binary);
        if (!in) throw UsageError("kohort report: cannot read " + entry.path().string());
        std::ostringstream ss;
        ss << in.rdbuf();
        files[name] = ss.str();
    }
    if (ec) throw UsageError("kohort report: cannot list " + folder + ": " + ec.message());
    if (!files.count("results.json"))
        throw UsageError("kohort report: " + (fs::path(folder) / "results.json").string() +
                         " does not exist; expected a finished job's output folder");
    return files;
}

std::string build_report_from_folder(const std::string& folder) {
    std::string shown;
    if (std::ifstream page{fs::path(folder) / kReportFile, std::ios::binary}) {
        std::ostringstream ss;
        ss << page.rdbuf();
        shown = audit_hash_shown(ss.str());
    }
    return build_report(read_released_files(folder), shown);
}

}  // namespace kohort::report
