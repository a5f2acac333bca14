#include "report/released.hpp"

namespace kohort::report {

namespace {
json parse_or_note(const FileMap& files, const std::string& name, std::vector<std::string>& notes) {
    auto it = files.find(name);
    if (it == files.end()) return nullptr;
    json j = json::parse(it->second, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
        notes.push_back(name + " is not valid JSON; the parts of this page that come from it are missing.");
        return nullptr;
    }
    return j;
}
}  // namespace

Released::Released(const FileMap& f) : files(f) {
    results = parse_or_note(files, "results.json", notes);
    if (!results.is_object()) {
        if (!files.count("results.json")) notes.push_back("results.json was not released.");
        results = json::object();
    }
    disclosure = parse_or_note(files, "disclosure.json", notes);
}

const std::string* Released::file(const std::string& name) const {
    auto it = files.find(name);
    return it == files.end() ? nullptr : &it->second;
}

std::vector<std::string> Released::model_files(const std::string& model) const {
    std::vector<std::string> out;
    for (const char* suffix : {".csv", ".tsv", ".svg", "_manhattan.svg", "_qq.svg"})
        if (files.count(model + suffix)) out.push_back(model + suffix);
    return out;
}

std::vector<json> Released::disclosure_entries(const std::string& model) const {
    // Accepted shapes: {"models": {NAME: [...]}}, {NAME: [...]}, and a list of entries that name
    // their model ({"model": NAME, ...}). An entry that is not an object becomes {"value": it}.
    json list;
    if (field(disclosure, "models").is_object()) list = field(field(disclosure, "models"), model);
    else if (disclosure.is_object()) list = field(disclosure, model);
    else if (disclosure.is_array()) {
        list = json::array();
        for (const auto& e : disclosure)
            if (field(e, "model") == model) list.push_back(e);
    }
    std::vector<json> out;
    if (list.is_object() && (field(list, "withheld").is_array() || field(list, "coarsened").is_array())) {
        // The release layer's shape (issue 10): {"withheld": [...], "coarsened": [...], totals}.
        for (const char* action : {"withheld", "coarsened"})
            for (const auto& e : field(list, action)) {
                json entry = e.is_object() ? e : json{{"value", e}};
                if (!entry.contains("action")) entry["action"] = action;
                out.push_back(std::move(entry));
            }
        return out;
    }
    if (list.is_object()) list = field(list, "entries").is_array() ? field(list, "entries") : json::array({list});
    if (!list.is_array()) return out;
    for (const auto& e : list) out.push_back(e.is_object() ? e : json{{"value", e}});
    return out;
}

}  // namespace kohort::report
