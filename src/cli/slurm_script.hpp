// The batch script behind `kohort submit`: which Slurm resources a job asks for (flags over the
// job file's [slurm] section) and how slurm/kohort.sbatch.in is filled in.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kohort::cli {

// Resources as sbatch options. Unset fields are left to the site's defaults, except the three
// placement numbers, which default to 1 so the script states its layout explicitly.
struct SlurmRequest {
    std::optional<long> nodes, ntasks_per_node, cpus_per_task;
    std::optional<std::string> time, mem, partition, account, qos, log_dir;
};

// The keys a [slurm] section may hold, as documented in docs/admin.md.
const std::vector<std::string>& slurm_section_keys();

// Reads a [slurm] section (key -> value, as the job file parser returns it). Keys may use '-' or
// '_' (ntasks-per-node, ntasks_per_node). `where` names the section in messages, e.g.
// "job.ini [slurm]". Throws UsageError for an unknown key or a malformed value.
SlurmRequest slurm_request_from_section(const std::map<std::string, std::string>& section,
                                        const std::string& where);

// Fields set in `flags` replace those of `file`.
SlurmRequest merge(const SlurmRequest& file, const SlurmRequest& flags);

// Checks one value for the script: a positive integer for counts, and for strings only characters
// that sbatch option values use, so nothing can break out of an #SBATCH line or the shell.
long parse_positive_count(const std::string& value, const std::string& what);
void check_slurm_value(const std::string& value, const std::string& what);

// Quotes a word for bash (single quotes, ' written as '\'').
std::string shell_quote(const std::string& word);

// Everything the template needs besides the resources.
struct ScriptInputs {
    std::string job_name;           // [job] name, made safe for %x in file names
    std::string job_file;           // absolute path
    std::string kohort_binary;      // absolute path of the running kohort
    std::string workdir;            // the directory `kohort submit` ran in
    std::string log_dir;            // absolute
    std::vector<std::string> run_args;  // extra arguments for `kohort run` (e.g. --set ...)
    std::string template_path;      // for the header comment
};

// The #SBATCH lines for a request (without a trailing newline).
std::string sbatch_directives(const SlurmRequest& request, const ScriptInputs& in);

// Replaces every @NAME@ of `text` by vars[NAME]. An @NAME@ (upper case, digits, '_') without a
// value is an error naming the template and line, so a template and kohort cannot drift apart.
std::string render_template(const std::string& text, const std::map<std::string, std::string>& vars,
                            const std::string& template_path);

// The whole script: the template filled in for this request.
std::string render_batch_script(const std::string& template_text, const SlurmRequest& request,
                                const ScriptInputs& in);

// Job names end up in log file names (%x): keep letters, digits, '-', '_' and '.'.
std::string safe_job_name(const std::string& name);

}  // namespace kohort::cli
