#include "engine/kinds_text.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/text.hpp"

namespace kohort {

namespace {

// The meaning with what a value must look like, and other accepted spellings.
std::string meaning_text(const OptionDecl& o) {
    std::string m = o.meaning;
    if (o.type == OptionType::choice || o.type == OptionType::integer || o.type == OptionType::real ||
        (o.type == OptionType::string && !o.format.empty()))
        m += " (" + o.expected() + ")";
    if (!o.aliases.empty()) m += "; also written " + join_words(o.aliases, "or");
    return m;
}

}  // namespace

std::string declaration_text(const SectionDecl& d) {
    std::size_t wk = 3, wt = 4, wd = 7;
    for (const auto& o : d.options) {
        wk = std::max(wk, o.name.size());
        wt = std::max(wt, std::string(to_string(o.type)).size());
        wd = std::max(wd, o.default_text().size());
    }
    std::string out = fmt::format("{}: {}\n{}\n\n", d.name, d.summary, d.header);
    out += fmt::format("  {:<{}}  {:<{}}  {:<{}}  {}\n", "key", wk, "type", wt, "default", wd, "meaning");
    for (const auto& o : d.options)
        out += fmt::format("  {:<{}}  {:<{}}  {:<{}}  {}\n", o.name, wk, to_string(o.type), wt, o.default_text(), wd,
                           meaning_text(o));
    for (const auto& r : d.refused) out += fmt::format("  not accepted: {} ({})\n", r.name, r.reason);
    return out;
}

std::string declaration_markdown(const SectionDecl& d) {
    std::string out = fmt::format("### {}\n`{}`: {}.\n\n| key | type | default | meaning |\n| --- | --- | --- | --- |\n",
                                  d.name, d.header, d.summary);
    for (const auto& o : d.options)
        out += fmt::format("| `{}` | {} | {} | {} |\n", o.name, to_string(o.type), o.default_text(), meaning_text(o));
    for (const auto& r : d.refused) out += fmt::format("\nNot accepted: `{}` ({}).\n", r.name, r.reason);
    return out;
}

std::string summary_lines(const std::vector<const SectionDecl*>& decls) {
    std::size_t w = 0;
    for (const auto* d : decls) w = std::max(w, d->name.size());
    std::string out;
    for (const auto* d : decls) out += fmt::format("  {:<{}}  {}\n", d->name, w, d->summary);
    return out;
}

}  // namespace kohort
