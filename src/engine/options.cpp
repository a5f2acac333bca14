#include "engine/options.hpp"

#include "core/error.hpp"
#include "core/text.hpp"

namespace kohort {

namespace {

[[noreturn]] void refuse(const std::string& file, std::int64_t line, const std::string& section,
                         const std::string& msg) {
    throw InputError(file, line, 0, "[" + section + "]: " + msg);
}

std::string unknown_key_message(const SectionDecl& decl, const std::string& key) {
    std::string msg = "unknown key '" + key + "'";
    if (const std::string near = closest_key(decl, key); !near.empty()) msg += "; did you mean '" + near + "'?";
    msg += " Known keys: " + join_words(decl.names()) + ".";
    return msg;
}

}  // namespace

Options Options::validate(const SectionDecl& decl, const std::string& file, const std::string& section,
                          const std::map<std::string, OptionValue>& values, std::int64_t section_line) {
    Options o;
    o.decl_ = &decl;
    o.kind = decl.name;
    o.section = section;
    o.file = file;
    const auto dot = section.find('.');
    o.name = dot == std::string::npos ? section : section.substr(dot + 1);

    for (const auto& [key, value] : values) {
        const OptionDecl* d = decl.find(key);
        if (!d) {
            for (const auto& r : decl.refused)
                if (r.name == key) refuse(file, value.line, section, "key '" + key + "' is not accepted: " + r.reason);
            refuse(file, value.line, section, unknown_key_message(decl, key));
        }
        if (o.values_.count(d->name))
            refuse(file, value.line, section, "key '" + d->name + "' is given twice (as '" + key + "' too)");
        if (!trim(value.text).empty())
            if (const std::string problem = value_problem(*d, value.text); !problem.empty())
                refuse(file, value.line, section, key + " = '" + value.text + "': " + problem);
        o.values_[d->name] = value;
    }
    for (const auto& d : decl.options) {
        if (!d.required || o.has(d.name)) continue;
        if (o.values_.count(d.name))
            refuse(file, o.values_.at(d.name).line, section, d.name + " is empty; expected " + d.expected());
        refuse(file, section_line, section, "missing required key '" + d.name + "' (" + d.meaning + ")");
    }
    return o;
}

const SectionDecl& Options::declaration() const {
    if (!decl_) throw InternalError("options read before validation");
    return *decl_;
}

const OptionDecl& Options::decl_of(const std::string& key) const {
    const OptionDecl* d = declaration().find(key);
    if (!d) throw InternalError(where() + ": the " + kind + " kernel reads '" + key + "', which it does not declare");
    return *d;
}

bool Options::has(const std::string& key) const {
    auto it = values_.find(decl_of(key).name);
    return it != values_.end() && !trim(it->second.text).empty();
}

std::string Options::text(const std::string& key) const {
    const OptionDecl& d = decl_of(key);
    return has(key) ? trim(values_.at(d.name).text) : d.default_value;
}

std::string Options::value_of(const std::string& key, OptionType type) const {
    const OptionDecl& d = decl_of(key);
    if (d.type != type)
        throw InternalError(where() + ": '" + key + "' is declared as " + to_string(d.type) + ", read as " +
                            to_string(type));
    const std::string t = text(key);
    if (t.empty()) throw InternalError(where() + ": '" + key + "' has no value and no default; check has() first");
    return t;
}

std::int64_t Options::integer(const std::string& key) const { return *parse_integer_value(value_of(key, OptionType::integer)); }
double Options::real(const std::string& key) const { return *parse_real_value(value_of(key, OptionType::real)); }
bool Options::flag(const std::string& key) const { return *parse_bool_value(value_of(key, OptionType::boolean)); }
std::string Options::choice(const std::string& key) const {
    return *match_choice(decl_of(key), value_of(key, OptionType::choice));
}
std::string Options::column(const std::string& key) const { return value_of(key, OptionType::column); }
std::vector<std::string> Options::columns(const std::string& key) const {
    if (decl_of(key).type != OptionType::columns) value_of(key, OptionType::columns);  // throws the type error
    return split_list(text(key));
}
Formula Options::formula(const std::string& key) const { return parse_formula(value_of(key, OptionType::formula)); }
std::int32_t Options::date(const std::string& key) const { return *parse_date_text(value_of(key, OptionType::date)); }
Window Options::window(const std::string& key) const { return *parse_window_value(value_of(key, OptionType::window)); }

std::int64_t Options::line(const std::string& key) const {
    auto it = values_.find(decl_of(key).name);
    return it == values_.end() ? 0 : it->second.line;
}

std::string Options::get(const std::string& key, const std::string& fallback) const {
    return has(key) ? trim(values_.at(decl_of(key).name).text) : fallback;
}

std::string Options::require(const std::string& key) const {
    if (!has(key)) throw UsageError(where() + ": missing required key '" + key + "'");
    return get(key);
}

}  // namespace kohort
