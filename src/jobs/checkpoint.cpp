#include "jobs/checkpoint.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/version.hpp"
#include "jobs/output_dir.hpp"
#include "jobs/sha256.hpp"

namespace kohort {
namespace fs = std::filesystem;

namespace {

const char* kKeyFile = "key.json";

// The parsed job, so overrides given with --set change the key as an edited file would.
std::string effective_job_text(const JobFile& job) {
    nlohmann::json j = {{"job_file_sha256", job.sha256}, {"job", job.job_options}};
    for (const auto& m : job.models) j["models"].push_back({{"name", m.name}, {"kind", m.kind}, {"options", m.options}});
    for (const auto& [section, opts] : job.sections) j["sections"].push_back({{"section", section}, {"options", opts}});
    return j.dump();
}

// The store file as the file system identifies it, instead of its contents (hashing the loaded
// tables took a quarter of a second per 336 MB on every run, docs/benchmarks-cox.md): any rewrite
// changes the size, the modification time or the inode, and the change time cannot be set back from
// user space. The device number is left out: it differs between nodes mounting one file system, and
// a requeued job may run on another node.
std::string store_identity(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return "unreadable";
    return fmt::format("inode {} size {} mtime {}.{:09d} ctime {}.{:09d}", static_cast<unsigned long long>(st.st_ino),
                       static_cast<long long>(st.st_size), static_cast<long long>(st.st_mtim.tv_sec),
                       static_cast<long>(st.st_mtim.tv_nsec), static_cast<long long>(st.st_ctim.tv_sec),
                       static_cast<long>(st.st_ctim.tv_nsec));
}

std::string model_file(const std::string& name) { return "model-" + sha256_hex_of(name).substr(0, 24) + ".json"; }

nlohmann::json to_json(const std::string& name, const std::string& key, const SavedModel& m) {
    return {{"name", name},
            {"key", key},
            {"result", m.output.result},
            {"csv", {{"header", m.output.csv.header}, {"rows", m.output.csv.rows}}},
            {"svg", m.output.svg ? nlohmann::json(*m.output.svg) : nlohmann::json(nullptr)},
            {"files", m.output.files},
            {"release", m.release_record}};
}

SavedModel from_json(const nlohmann::json& j) {
    SavedModel m;
    m.output.result = j.at("result");
    m.output.csv.header = j.at("csv").at("header").get<std::vector<std::string>>();
    m.output.csv.rows = j.at("csv").at("rows").get<std::vector<std::vector<std::string>>>();
    if (!j.at("svg").is_null()) m.output.svg = j.at("svg").get<std::string>();
    if (j.contains("files")) m.output.files = j.at("files").get<std::map<std::string, std::string>>();
    m.release_record = j.at("release");
    return m;
}

nlohmann::json read_json(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return nlohmann::json::parse(s.str(), nullptr, false);
}

}  // namespace

std::string checkpoint_key(const JobFile& job, const std::string& release_policy, const Comm& comm) {
    std::string text;
    if (comm.is_root()) {
        Sha256 h;
        h.update(std::string("kohort checkpoint 2\n") + kVersion + "\n");
        h.update(effective_job_text(job));
        h.update("\nstore " + job.store + " " + store_identity(job.store));
        h.update("\nranks " + std::to_string(comm.size()));
        h.update("\nrelease " + release_policy);
        text = h.hex();
    }
    comm.broadcast(text);  // one view of the file for every rank, whatever their nodes see
    return text;
}

Checkpoint::Checkpoint(const std::string& output, const std::string& key, const Comm& comm,
                       const std::function<void(const std::string&)>& log)
    : comm_(comm), key_(key) {
    const fs::path out(output);
    folder_ = (out.parent_path() / ("." + out.filename().string() + ".checkpoint")).string();
    std::string saved_text = "{}";
    if (comm.is_root() && fs::exists(folder_)) {
        const auto stored = read_json(fs::path(folder_) / kKeyFile);
        if (!stored.is_object() || stored.value("key", "") != key_) {
            log("discarding the checkpoint " + folder_ +
                ": it was made with another job file, other input tables or another kohort version");
            std::error_code ec;
            fs::remove_all(folder_, ec);
        } else {
            nlohmann::json models = nlohmann::json::object();
            for (const auto& entry : fs::directory_iterator(folder_)) {
                const std::string file = entry.path().filename().string();
                if (file.rfind("model-", 0) != 0 || entry.path().extension() != ".json") continue;
                const auto j = read_json(entry.path());
                // A file from another key or a damaged one is ignored: that model is fitted again.
                if (j.is_object() && j.value("key", "") == key_ && j.contains("name")) models[j["name"].get<std::string>()] = j;
            }
            saved_text = models.dump();
        }
    }
    comm.broadcast(saved_text);
    const auto saved = nlohmann::json::parse(saved_text);
    for (const auto& [name, j] : saved.items()) saved_.emplace(name, from_json(j));
}

const SavedModel* Checkpoint::find(const std::string& name) const {
    const auto it = saved_.find(name);
    return it == saved_.end() ? nullptr : &it->second;
}

void Checkpoint::save(const std::string& name, const SavedModel& model) {
    if (!comm_.is_root()) return;
    const fs::path folder(folder_);
    if (!fs::exists(folder / kKeyFile)) {
        std::error_code ec;
        fs::create_directories(folder, ec);
        if (ec) throw UsageError("cannot create the checkpoint folder " + folder_ + ": " + ec.message());
        ::chmod(folder_.c_str(), 0700);
        write_file_synced((folder / ".key.json.tmp").string(), nlohmann::json({{"key", key_}, {"kohort_version", kVersion}}).dump());
        fs::rename(folder / ".key.json.tmp", folder / kKeyFile);
    }
    // Written under a temporary name and renamed: a model file is either whole or absent.
    const fs::path tmp = folder / ("." + model_file(name) + ".tmp");
    write_file_synced(tmp.string(), to_json(name, key_, model).dump());
    fs::rename(tmp, folder / model_file(name));
    fsync_directory(folder_);
}

void Checkpoint::remove() {
    if (!comm_.is_root()) return;
    std::error_code ec;
    fs::remove_all(folder_, ec);
}

}  // namespace kohort
