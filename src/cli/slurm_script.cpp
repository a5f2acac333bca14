#include "cli/slurm_script.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "core/error.hpp"
#include "core/version.hpp"
#include "jobs/job_file.hpp"

namespace kohort::cli {

const std::vector<std::string>& slurm_section_keys() {
    static const std::vector<std::string> keys = slurm_section_declaration().names();
    return keys;
}

long parse_positive_count(const std::string& value, const std::string& what) {
    const bool digits = !value.empty() && value.size() <= 7 &&
                        std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); });
    const long n = digits ? std::stol(value) : 0;
    if (n < 1)
        throw UsageError(fmt::format("{}: found '{}', expected a whole number of at least 1", what, value));
    return n;
}

void check_slurm_value(const std::string& value, const std::string& what) {
    if (value.empty()) throw UsageError(what + ": the value is empty");
    // sbatch values (times, memory sizes, partition/account names) use these characters only.
    // Refusing the rest keeps a value from ending an #SBATCH line or reaching the shell.
    for (unsigned char c : value)
        if (!(std::isalnum(c) || std::string_view("_.:,+=@%/-").find(static_cast<char>(c)) != std::string_view::npos))
            throw UsageError(fmt::format("{}: found '{}', which contains '{}'; expected letters, digits and _ . : , "
                                         "+ = @ % / - only",
                                         what, value, static_cast<char>(c)));
}

SlurmRequest slurm_request_from_section(const std::map<std::string, std::string>& section,
                                        const std::string& where) {
    SlurmRequest r;
    for (const auto& [raw_key, value] : section) {
        std::string key = raw_key;
        std::replace(key.begin(), key.end(), '_', '-');
        const std::string what = fmt::format("{} {}", where, raw_key);
        if (key == "nodes") {
            r.nodes = parse_positive_count(value, what);
        } else if (key == "ntasks-per-node") {
            r.ntasks_per_node = parse_positive_count(value, what);
        } else if (key == "cpus-per-task") {
            r.cpus_per_task = parse_positive_count(value, what);
        } else if (key == "log-dir") {
            if (value.empty()) throw UsageError(what + ": the value is empty");
            if (value.find_first_of("\n\r\"") != std::string::npos)
                throw UsageError(what + ": a log folder may not contain a newline or '\"'");
            r.log_dir = value;
        } else {
            std::optional<std::string>* field = key == "time"        ? &r.time
                                                : key == "mem"       ? &r.mem
                                                : key == "partition" ? &r.partition
                                                : key == "account"   ? &r.account
                                                : key == "qos"       ? &r.qos
                                                                     : nullptr;
            if (!field) {
                std::string known;
                for (const auto& k : slurm_section_keys()) known += (known.empty() ? "" : ", ") + k;
                throw UsageError(fmt::format("{}: unknown key '{}'; known keys are {}", where, raw_key, known));
            }
            check_slurm_value(value, what);
            *field = value;
        }
    }
    return r;
}

SlurmRequest merge(const SlurmRequest& file, const SlurmRequest& flags) {
    SlurmRequest r = file;
    auto take = [](auto& into, const auto& from) {
        if (from) into = from;
    };
    take(r.nodes, flags.nodes);
    take(r.ntasks_per_node, flags.ntasks_per_node);
    take(r.cpus_per_task, flags.cpus_per_task);
    take(r.time, flags.time);
    take(r.mem, flags.mem);
    take(r.partition, flags.partition);
    take(r.account, flags.account);
    take(r.qos, flags.qos);
    take(r.log_dir, flags.log_dir);
    return r;
}

std::string shell_quote(const std::string& word) {
    std::string out = "'";
    for (char c : word) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

std::string safe_job_name(const std::string& name) {
    std::string out;
    for (unsigned char c : name) out += (std::isalnum(c) || c == '-' || c == '_' || c == '.') ? char(c) : '_';
    if (out.empty() || out.front() == '.') out.insert(out.begin(), 'j');
    return out.substr(0, 64);
}

std::string sbatch_directives(const SlurmRequest& r, const ScriptInputs& in) {
    std::vector<std::string> lines;
    lines.push_back(fmt::format("#SBATCH --nodes={}", r.nodes.value_or(1)));
    lines.push_back(fmt::format("#SBATCH --ntasks-per-node={}", r.ntasks_per_node.value_or(1)));
    lines.push_back(fmt::format("#SBATCH --cpus-per-task={}", r.cpus_per_task.value_or(1)));
    if (r.time) lines.push_back("#SBATCH --time=" + *r.time);
    if (r.mem) lines.push_back("#SBATCH --mem=" + *r.mem);
    if (r.partition) lines.push_back("#SBATCH --partition=" + *r.partition);
    if (r.account) lines.push_back("#SBATCH --account=" + *r.account);
    if (r.qos) lines.push_back("#SBATCH --qos=" + *r.qos);
    std::string out;
    for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
    return out;
}

std::string render_template(const std::string& text, const std::map<std::string, std::string>& vars,
                            const std::string& template_path) {
    std::string out;
    out.reserve(text.size() + 512);
    std::size_t line = 1, i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (c == '@') {
            std::size_t j = i + 1;
            while (j < text.size() && (std::isupper(static_cast<unsigned char>(text[j])) ||
                                       std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == '_'))
                ++j;
            if (j > i + 1 && j < text.size() && text[j] == '@') {
                const std::string name = text.substr(i + 1, j - i - 1);
                auto it = vars.find(name);
                if (it == vars.end()) {
                    std::string known;
                    for (const auto& [k, v] : vars) known += (known.empty() ? "@" : ", @") + k + "@";
                    throw InputError(template_path, static_cast<std::int64_t>(line), 0,
                                     fmt::format("unknown placeholder @{}@; the placeholders kohort fills are {}",
                                                 name, known));
                }
                out += it->second;
                i = j + 1;
                continue;
            }
        }
        if (c == '\n') ++line;
        out += c;
        ++i;
    }
    return out;
}

std::string render_batch_script(const std::string& template_text, const SlurmRequest& request,
                                 const ScriptInputs& in) {
    std::string run_args;
    for (const auto& a : in.run_args) run_args += (run_args.empty() ? "" : " ") + shell_quote(a);
    const std::map<std::string, std::string> vars = {
        {"JOB_NAME", safe_job_name(in.job_name)},
        {"SBATCH_DIRECTIVES", sbatch_directives(request, in)},
        {"WORKDIR", in.workdir},
        {"LOG_DIR", in.log_dir},
        {"KOHORT", shell_quote(in.kohort_binary)},
        {"JOB_FILE", shell_quote(in.job_file)},
        {"RUN_ARGS", run_args},
        {"KOHORT_VERSION", kVersion},
        {"TEMPLATE", in.template_path},
    };
    return render_template(template_text, vars, in.template_path);
}

}  // namespace kohort::cli
