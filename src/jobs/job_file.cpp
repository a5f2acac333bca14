#include "jobs/job_file.hpp"

#include <openssl/evp.h>

#include <boost/program_options.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.hpp"

namespace kohort {
namespace po = boost::program_options;
namespace fs = std::filesystem;

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return "";
    const auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

std::vector<std::string> split_list(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string item;
    std::istringstream in(s);
    while (std::getline(in, item, sep)) {
        item = trim(item);
        if (!item.empty()) out.push_back(item);
    }
    return out;
}

namespace {

std::string sha256_hex(const std::string& bytes) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 15];
    }
    return out;
}

// Boost's INI parser knows '#' comments only and reports bad lines without a line number, so
// each line is checked here first (keeping line numbers for messages) and ';' comments, which the
// contract's examples use, are removed before Boost reads the text.
}  // namespace

std::string normalise_ini(const std::string& text, const std::string& path, std::set<std::string>& section_names) {
    std::istringstream in(text);
    std::ostringstream out;
    std::string line;
    std::int64_t lineno = 0;
    bool in_section = false;
    while (std::getline(in, line)) {
        ++lineno;
        std::string body = line;
        for (std::size_t i = 0; i < body.size(); ++i) {
            if (body[i] == ';' || body[i] == '#') {
                body = body.substr(0, i);
                break;
            }
        }
        const std::string t = trim(body);
        if (t.empty()) {
            out << "\n";
            continue;
        }
        if (t.front() == '[') {
            if (t.back() != ']' || t.size() < 3)
                throw InputError(path, lineno, static_cast<std::int64_t>(line.find('[') + 1),
                                 "malformed section header; expected [section] or [model.NAME]");
            in_section = true;
            section_names.insert(trim(t.substr(1, t.size() - 2)));
        } else {
            const auto eq = t.find('=');
            if (eq == std::string::npos)
                throw InputError(path, lineno, static_cast<std::int64_t>(line.find_first_not_of(" \t") + 1),
                                 "expected 'key = value' or a [section] header");
            if (trim(t.substr(0, eq)).empty())
                throw InputError(path, lineno, 1, "missing key before '='");
            if (!in_section)
                throw InputError(path, lineno, 1, "key outside any section; start the file with [job]");
        }
        out << t << "\n";
    }
    return out.str();
}

JobFile read_job_file(const std::string& path, const std::vector<std::string>& overrides) {
    std::ifstream f(path, std::ios::binary);
    if (!fs::exists(path)) throw UsageError(path + ": job file not found");
    if (!f) throw UsageError(path + ": cannot read the job file (check permissions)");
    std::stringstream buf;
    buf << f.rdbuf();
    const std::string text = buf.str();

    JobFile job;
    job.path = path;
    job.directory = fs::absolute(path).parent_path().string();
    job.sha256 = sha256_hex(text);

    std::set<std::string> section_names;
    std::istringstream clean(normalise_ini(text, path, section_names));
    po::parsed_options parsed(nullptr);
    try {
        parsed = po::parse_config_file(clean, po::options_description(), /*allow_unregistered=*/true);
    } catch (const po::error& e) {
        throw InputError(path, 0, 0, std::string("cannot parse the job file: ") + e.what());
    }

    // section -> key -> value, sections in order of first appearance.
    std::vector<std::string> order;
    std::map<std::string, std::map<std::string, std::string>> sections;
    // Keys may contain dots (iter.max), so the section is the longest known section name that
    // prefixes the key; --set may also name a new section.
    auto split_key = [&](const std::string& full) -> std::pair<std::string, std::string> {
        std::string best;
        for (const auto& sec : section_names)
            if (full.size() > sec.size() + 1 && full.compare(0, sec.size(), sec) == 0 && full[sec.size()] == '.' &&
                sec.size() > best.size())
                best = sec;
        if (best.empty()) {
            const auto dot = full.find('.') == full.rfind('.') ? full.find('.') : full.rfind('.');
            if (dot == std::string::npos) throw UsageError(path + ": key '" + full + "' is outside any section");
            return {full.substr(0, dot), full.substr(dot + 1)};
        }
        return {best, full.substr(best.size() + 1)};
    };
    auto put = [&](const std::string& full, const std::string& value, bool override_ok) {
        auto [section, key] = split_key(full);
        if (!sections.count(section)) order.push_back(section);
        if (!override_ok && sections[section].count(key))
            throw UsageError(path + " [" + section + "]: key '" + key + "' is given twice");
        sections[section][key] = trim(value);
    };
    for (const auto& opt : parsed.options)
        if (opt.value.size() == 1) put(opt.string_key, opt.value.front(), false);
    for (const auto& o : overrides) {
        const auto eq = o.find('=');
        if (eq == std::string::npos || o.substr(0, eq).find('.') == std::string::npos)
            throw UsageError("--set '" + o + "': expected section.key=value, e.g. --set job.output=out/run2");
        put(trim(o.substr(0, eq)), o.substr(eq + 1), true);
    }

    if (!sections.count("job")) throw UsageError(path + ": no [job] section; a job file starts with [job]");
    const auto& j = sections["job"];
    static const std::set<std::string> job_keys = {"name", "store", "output", "project", "purpose", "disclosure",
                                                   "threads"};
    for (const auto& [k, v] : j)
        if (!job_keys.count(k))
            throw UsageError(path + " [job]: unknown key '" + k +
                             "'; known keys are name, store, output, project, purpose, disclosure, threads");
    auto need = [&](const char* key) {
        auto it = j.find(key);
        if (it == j.end() || it->second.empty())
            throw UsageError(path + " [job]: missing required key '" + std::string(key) + "'");
        return it->second;
    };
    job.job_options = j;
    job.name = need("name");
    const fs::path store = need("store");
    job.store = (store.is_absolute() ? store : fs::path(job.directory) / store).lexically_normal().string();
    job.output = fs::absolute(need("output")).lexically_normal().string();
    job.project = j.count("project") ? j.at("project") : "";
    job.purpose = j.count("purpose") ? j.at("purpose") : "";
    job.disclosure = j.count("disclosure") ? j.at("disclosure") : "";

    for (const auto& s : order) {
        if (s == "job") continue;
        if (s.rfind("model.", 0) == 0) {
            ModelSpec m;
            m.name = s.substr(6);
            m.options = sections[s];
            m.job_file = path;
            if (m.name.empty()) throw UsageError(path + ": a [model.NAME] section needs a NAME");
            m.kind = m.require("kind");
            job.models.push_back(std::move(m));
        } else {
            job.sections.emplace_back(s, sections[s]);
        }
    }
    return job;
}

}  // namespace kohort
