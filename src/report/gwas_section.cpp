// A GWAS model's parts (contract section 8): the Manhattan and QQ plots as released, and the top
// variants from results.json. Fields are read by the names section 8 gives and shown as released.
#include <set>

#include "report/released.hpp"

namespace kohort::report {

std::string gwas_parts(const Released& r, const std::string& name, const json& model) {
    std::string o;
    if (const std::string* svg = r.file(name + "_manhattan.svg"))
        o += inline_svg(*svg, "manhattan-" + anchor(name), name + ": Manhattan plot",
                        "Minus log10 P of every tested variant of model " + name + " by chromosome and position.");
    if (const std::string* svg = r.file(name + "_qq.svg"))
        o += inline_svg(*svg, "qq-" + anchor(name), name + ": QQ plot",
                        "Observed against expected minus log10 P of model " + name + ", with the genomic inflation factor.");
    const json* top = nullptr;
    for (const char* key : {"top_variants", "top"})
        if (field(model, key).is_array() && !field(model, key).empty()) top = &model[key];
    if (top) {
        // Columns: the union of the variants' keys, in first-seen order.
        std::vector<std::string> keys;
        std::set<std::string> seen;
        for (const auto& v : *top)
            for (const auto& [k, _] : v.items())
                if (seen.insert(k).second) keys.push_back(k);
        HtmlTable t;
        t.caption = "Top variants of " + esc(name);
        t.css_class = "num";
        for (const auto& k : keys) t.head.push_back(esc(k));
        for (const auto& v : *top) {
            std::vector<std::string> row;
            for (const auto& k : keys)
                row.push_back(esc(k == "P" || k == "p" || k == "WALD_P" ? show_p(field(v, k)) : show(field(v, k))));
            t.rows.push_back(std::move(row));
        }
        o += t.render();
    }
    return o;
}

}  // namespace kohort::report
