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

std::string ModelSpec::get(const std::string& key, const std::string& fallback) const {
    auto it = options.find(key);
    return it == options.end() ? fallback : it->second;
}

std::string ModelSpec::require(const std::string& key) const {
    auto it = options.find(key);
    if (it == options.end() || it->second.empty())
        throw UsageError(where() + ": missing required key '" + key + "'");
    return it->second;
}

std::string ModelSpec::where() const { return job_file + " [model." + name + "]"; }

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

// Keys may contain dots (iter.max), so the section is the longest known section name that
// prefixes the key; --set may also name a new section.
std::pair<std::string, std::string> split_key(const std::string& full, const std::set<std::string>& section_names,
                                              const std::string& path) {
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
}

void put(IniFile& ini, const std::string& path, const std::string& full, const std::string& value, bool override_ok) {
    auto [section, key] = split_key(full, ini.section_names, path);
    if (!ini.sections.count(section)) ini.order.push_back(section);
    auto& keys = ini.sections[section];
    const auto line_it = ini.lines.find(full);
    const std::int64_t line = override_ok || line_it == ini.lines.end() ? 0 : line_it->second;
    if (!override_ok && keys.count(key))
        throw InputError(path, line, 0, "[" + section + "]: key '" + key + "' is given twice");
    keys[key] = OptionValue{trim(value), line};
}

std::map<std::string, std::string> plain(const std::map<std::string, OptionValue>& keys) {
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : keys) out[k] = v.text;
    return out;
}

}  // namespace

// Boost's INI parser knows '#' comments only and reports bad lines without a line number, so
// each line is checked here first (keeping line numbers for messages) and ';' comments, which the
// contract's examples use, are removed before Boost reads the text.
std::string normalise_ini(const std::string& text, const std::string& path, std::set<std::string>& section_names,
                          IniLines* lines) {
    std::istringstream in(text);
    std::ostringstream out;
    std::string line;
    std::int64_t lineno = 0;
    std::string section;
    bool in_section = false;
    while (std::getline(in, line)) {
        ++lineno;
        const std::string t = trim(line.substr(0, line.find_first_of(";#")));
        if (t.empty()) {
            out << "\n";
            continue;
        }
        if (t.front() == '[') {
            if (t.back() != ']' || t.size() < 3)
                throw InputError(path, lineno, static_cast<std::int64_t>(line.find('[') + 1),
                                 "malformed section header; expected [section] or [model.NAME]");
            in_section = true;
            section = trim(t.substr(1, t.size() - 2));
            section_names.insert(section);
            if (lines && !lines->count(section)) (*lines)[section] = lineno;
        } else {
            const auto eq = t.find('=');
            if (eq == std::string::npos)
                throw InputError(path, lineno, static_cast<std::int64_t>(line.find_first_not_of(" \t") + 1),
                                 "expected 'key = value' or a [section] header");
            const std::string key = trim(t.substr(0, eq));
            if (key.empty()) throw InputError(path, lineno, 1, "missing key before '='");
            if (!in_section)
                throw InputError(path, lineno, 1, "key outside any section; start the file with [job]");
            // A repeated key keeps its first line; read_ini refuses the repeat.
            if (lines && !lines->count(section + "." + key)) (*lines)[section + "." + key] = lineno;
        }
        out << t << "\n";
    }
    return out.str();
}

IniFile read_ini(const std::string& text, const std::string& path, const std::string& what) {
    IniFile ini;
    std::istringstream clean(normalise_ini(text, path, ini.section_names, &ini.lines));
    po::parsed_options parsed(nullptr);
    try {
        parsed = po::parse_config_file(clean, po::options_description(), /*allow_unregistered=*/true);
    } catch (const po::error& e) {
        throw InputError(path, 0, 0, "cannot parse the " + what + ": " + e.what());
    }
    for (const auto& opt : parsed.options)
        if (opt.value.size() == 1) put(ini, path, opt.string_key, opt.value.front(), false);
    return ini;
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

    IniFile ini = read_ini(text, path, "job file");
    for (const auto& o : overrides) {
        const auto eq = o.find('=');
        if (eq == std::string::npos || o.substr(0, eq).find('.') == std::string::npos)
            throw UsageError("--set '" + o + "': expected section.key=value, e.g. --set job.output=out/run2");
        put(ini, path, trim(o.substr(0, eq)), o.substr(eq + 1), true);
    }
    if (!ini.sections.count("job")) throw UsageError(path + ": no [job] section; a job file starts with [job]");

    for (const auto& s : ini.order) {
        if (s == "job") continue;
        if (s.rfind("model.", 0) == 0) {
            ModelSpec m;
            m.name = s.substr(6);
            m.options = plain(ini.sections[s]);
            m.job_file = path;
            if (m.name.empty()) throw UsageError(path + ": a [model.NAME] section needs a NAME");
            job.models.push_back(std::move(m));
        } else {
            job.sections.emplace_back(s, plain(ini.sections[s]));
        }
    }
    validate_job_sections(job, ini);

    const Options& j = job.checked.at("job");
    job.job_options = plain(ini.sections["job"]);
    job.name = j.text("name");
    const fs::path store = j.text("store");
    job.store = (store.is_absolute() ? store : fs::path(job.directory) / store).lexically_normal().string();
    job.output = fs::absolute(j.text("output")).lexically_normal().string();
    job.project = j.text("project");
    job.purpose = j.text("purpose");
    job.disclosure = j.text("disclosure");
    job.perturbation = j.text("perturbation");
    return job;
}

}  // namespace kohort
