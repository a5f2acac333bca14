// The declarations of [job] and [slurm], and the check of every section of a job file against
// its declaration: models by their kind (engine's ModelRegistry), study sections by their prefix
// (engine's SectionRegistry, filled by kernels/linkage).
#include <algorithm>

#include "core/error.hpp"
#include "engine/kernel.hpp"
#include "jobs/job_file.hpp"

namespace kohort {

const SectionDecl& job_section_declaration() {
    static const SectionDecl d = [] {
        SectionDecl s("job", "[job]", "names the job, its store, its output folder and its governance settings");
        s.add(string_option("name", "names the job in results.json and the audit log").req());
        s.add(string_option("store", "the HDF5 store; relative paths are relative to the job file's folder").req());
        s.add(string_option("output", "the output folder; relative to the working directory").req());
        s.add(string_option("project", "the approved project (site approvals, audit record)"));
        s.add(string_option("purpose", "why the job runs, recorded in the audit log"));
        s.add(string_option("disclosure", "a disclosure policy stricter than the site's")
                  .form("a policy name such as none, dst, sds or opensafely"));
        s.add(choice_option("perturbation", {"none", "cell_key"},
                            "cell key perturbation of every released count (docs/governance.md)")
                  .note("the site's; a job may turn it on, never off"));
        s.add(integer_option("threads", 1, 4096, "OpenMP threads per rank").note("OMP_NUM_THREADS"));
        return s;
    }();
    return d;
}

const SectionDecl& slurm_section_declaration() {
    static const SectionDecl d = [] {
        SectionDecl s("slurm", "[slurm]", "resources for 'kohort submit' (its flags of the same names win)");
        auto count = [&](const std::string& name, const std::string& meaning) {
            OptionDecl o = integer_option(name, 1, 9999999, meaning).note("1");
            std::string underscored = name;
            std::replace(underscored.begin(), underscored.end(), '-', '_');
            if (underscored != name) o.alias(underscored);
            s.add(o);
        };
        count("nodes", "number of nodes");
        count("ntasks-per-node", "MPI ranks per node");
        count("cpus-per-task", "OpenMP threads per rank");
        s.add(string_option("time", "time limit").form("a Slurm time such as 2:00:00 or 1-00:00:00").note("the site's"));
        s.add(string_option("mem", "memory per node (see kohort run --plan)").form("a size such as 64G").note("the site's"));
        s.add(string_option("partition", "partition (queue)").note("the site's"));
        s.add(string_option("account", "account to charge").note("the site's"));
        s.add(string_option("qos", "quality of service").note("the site's"));
        s.add(string_option("log-dir", "folder for the Slurm .out/.err files").alias("log_dir")
                  .note("slurm-logs/ beside the output folder"));
        return s;
    }();
    return d;
}

namespace {

// "... ; did you mean 'cox'?" for a kind or section prefix.
std::string suggestion(const std::string& word, const std::vector<std::string>& known) {
    SectionDecl names;
    for (const auto& k : known) names.add(string_option(k, ""));
    const std::string near = closest_key(names, word);
    return near.empty() ? "" : "; did you mean '" + near + "'?";
}

std::int64_t line_of(const IniFile& ini, const std::string& key) {
    auto it = ini.lines.find(key);
    return it == ini.lines.end() ? 0 : it->second;
}

const SectionDecl& declaration_of_section(const JobFile& job, const IniFile& ini, const std::string& section) {
    if (section == "job") return job_section_declaration();
    if (section == "slurm") return slurm_section_declaration();
    const std::string prefix = section.substr(0, section.find('.'));
    if (const SectionDecl* d = SectionRegistry::instance().find(prefix)) return *d;
    std::vector<std::string> known = {"job", "model", "slurm"};
    for (const auto& n : SectionRegistry::instance().names()) known.push_back(n);
    throw InputError(job.path, line_of(ini, section), 0,
                     "unknown section [" + section + "]" + suggestion(prefix, known) +
                         " Expected [job], [model.NAME], [slurm] or a study section such as [cohort.NAME]");
}

}  // namespace

void validate_job_sections(JobFile& job, const IniFile& ini) {
    for (const auto& section : ini.order) {
        if (section.rfind("model.", 0) == 0) continue;
        job.checked[section] = Options::validate(declaration_of_section(job, ini, section), job.path, section,
                                                 ini.sections.at(section), line_of(ini, section));
    }
    for (auto& m : job.models) {
        const std::string section = "model." + m.name;
        const auto& keys = ini.sections.at(section);
        auto kind = keys.find("kind");
        if (kind == keys.end() || kind->second.text.empty())
            throw InputError(job.path, line_of(ini, section), 0, "[" + section + "]: missing required key 'kind'");
        m.kind = kind->second.text;
        const ModelKind* k = ModelRegistry::instance().find(m.kind);
        if (!k) {
            const auto kinds = ModelRegistry::instance().kinds();
            throw InputError(job.path, kind->second.line, 0,
                             "[" + section + "]: unknown kind '" + m.kind + "'" + suggestion(m.kind, kinds) +
                                 " Expected one of " + join_words(kinds, "or") + " (kohort kinds lists them)");
        }
        m.checked = Options::validate(k->declaration, job.path, section, keys, line_of(ini, section));
    }
}

}  // namespace kohort
