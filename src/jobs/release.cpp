#include "jobs/release.hpp"

#include "core/error.hpp"

namespace kohort {

void ReleaseLayer::set_perturbation(std::shared_ptr<const cellkey::PerturbationTable> table,
                                    std::shared_ptr<cellkey::RecordKeys> keys) {
    table_ = std::move(table);
    keys_ = std::move(keys);
}

std::vector<cellkey::Key> ReleaseLayer::record_keys(const std::vector<std::int64_t>& pids) const {
    if (!perturbs()) return {};
    if (!keys_) throw InternalError("cell key perturbation is on but the release layer has no record keys");
    return keys_->keys(pids);
}

std::optional<std::int64_t> ReleaseLayer::peek(std::int64_t count, std::optional<cellkey::Key> cell_key) const {
    if (!perturbs()) return policy_.release(count);
    if (!table_) throw InternalError("cell key perturbation is on but the release layer has no perturbation table");
    if (!cell_key)
        throw InternalError("a count was released without its cell key under cell key perturbation (scope '" + scope_ +
                            "'); every kernel must pass the cell key of every count it releases");
    const std::int64_t p = table_->perturb(count, *cell_key);
    if (policy_.suppresses(p)) return std::nullopt;
    return p;
}

ReleaseLayer::Scope& ReleaseLayer::current() {
    auto [it, inserted] = scopes_.try_emplace(scope_);
    if (inserted) scope_order_.push_back(scope_);
    return it->second;
}

std::optional<std::int64_t> ReleaseLayer::release(std::int64_t count, const CountMeaning& meaning) {
    if (perturbs()) {
        if (!meaning.cell_key)
            throw InternalError("count '" + meaning.field + "' in '" + scope_ +
                                "' was released without its cell key under cell key perturbation");
        const auto r = peek(count, meaning.cell_key);
        // Every nonzero count is recorded, whatever its noise, so the record says nothing about it.
        if (count != 0) coarsened(meaning.field, meaning.where, rule::cell_key, "count + noise(count, cell key)");
        if (!r) withheld(meaning.field, meaning.where, rule::min_count);
        return r;
    }
    const auto r = policy_.release(count);
    if (!r) {
        withheld(meaning.field, meaning.where, rule::min_count);
        return r;
    }
    if (*r != count)
        coarsened(meaning.field, meaning.where, rule::rounding,
                  "rounded to a multiple of " + std::to_string(policy_.base()));
    return r;
}

nlohmann::json ReleaseLayer::release_json(std::int64_t count, const CountMeaning& meaning) {
    const auto r = release(count, meaning);
    return r ? nlohmann::json(*r) : nlohmann::json(nullptr);
}

nlohmann::json ReleaseLayer::release_json_unkeyed(std::int64_t count, const CountMeaning& meaning) {
    if (!perturbs()) return release_json(count, meaning);
    withheld(meaning.field, meaning.where, rule::cell_key, "a count with no cell key is withheld under perturbation");
    return nullptr;
}

std::string ReleaseLayer::withheld_text() const {
    return policy_.redact_at >= 0 ? "<=" + std::to_string(policy_.redact_at) : "<" + std::to_string(policy_.min_count);
}

std::string ReleaseLayer::release_text(std::int64_t count, const CountMeaning& meaning) {
    const auto r = release(count, meaning);
    return r ? std::to_string(*r) : withheld_text();
}

std::string ReleaseLayer::log_count(std::int64_t count) const {
    // A count without its cell key: a logged value would be an unperturbed count.
    if (perturbs()) return "(perturbed; see results.json)";
    const auto r = policy_.release(count);
    return r ? std::to_string(*r) : withheld_text();
}

std::string ReleaseLayer::error_count(std::int64_t count) const {
    return perturbs() ? "some" : log_count(count);
}

void ReleaseLayer::withheld(const std::string& field, const std::string& where, const std::string& rule,
                            const std::string& detail) {
    Scope& s = current();
    ++suppressed_;
    ++s.withheld_total;
    if (s.withheld.size() < kListed) s.withheld.push_back({field, where, rule, detail});
}

void ReleaseLayer::coarsened(const std::string& field, const std::string& where, const std::string& rule,
                             const std::string& detail) {
    (void)where;  // coarsening applies to whole fields; counted per field and rule
    auto& c = current().coarsened[{field, rule}];
    ++c.first;
    if (c.second.empty()) c.second = detail;
    ++coarsened_;
}

bool ReleaseLayer::withhold_model(std::int64_t n, std::int64_t events, nlohmann::json& result,
                                  std::optional<cellkey::Key> n_key, std::optional<cellkey::Key> events_key) {
    if (perturbs()) {
        if (peek(n, n_key) && peek(events, events_key)) return false;
    } else if (!policy_.suppresses(n) && !policy_.suppresses(events)) {
        return false;
    }
    withheld("model", "", rule::model_size, "fewer rows or events than the minimum count");
    result["suppressed"] = true;
    result["reason"] = "fewer rows or events than the disclosure policy's minimum count (" +
                       std::to_string(policy_.min_count) + ")";
    result["n"] = nullptr;
    result["events"] = nullptr;
    result["coefficients"] = nlohmann::json::array();
    return true;
}

nlohmann::json ReleaseLayer::perturbation_summary() const {
    nlohmann::json j = {{"method", "cell_key"}, {"table", table_ ? table_->origin() : ""}};
    if (table_)
        for (const auto& [k, v] : table_->parameters()) j["parameters"][k] = v;
    j["note"] = "every count is perturbed on its own by the noise its persons' cell key picks from the table; "
                "margins and totals are perturbed as counts of their own, so cells need not add up to them";
    return j;
}

nlohmann::json ReleaseLayer::report() const {
    nlohmann::json scopes = nlohmann::json::object();
    for (const auto& name : scope_order_) {
        const Scope& s = scopes_.at(name);
        nlohmann::json w = nlohmann::json::array();
        for (const auto& e : s.withheld) {
            nlohmann::json j = {{"field", e.field}, {"rule", e.rule}};
            if (!e.where.empty()) j["where"] = e.where;
            if (!e.detail.empty()) j["detail"] = e.detail;
            w.push_back(j);
        }
        nlohmann::json c = nlohmann::json::array();
        for (const auto& [key, v] : s.coarsened) {
            nlohmann::json j = {{"field", key.first}, {"rule", key.second}, {"values", v.first}};
            if (!v.second.empty()) j["detail"] = v.second;
            c.push_back(j);
        }
        scopes[name] = {{"withheld", w},
                        {"withheld_total", s.withheld_total},
                        {"withheld_listed", static_cast<std::int64_t>(s.withheld.size())},
                        {"coarsened", c}};
    }
    nlohmann::json r = policy_description();
    r["withheld"] = suppressed_;
    r["coarsened"] = coarsened_;
    r["models"] = scopes;
    return r;
}

nlohmann::json ReleaseLayer::policy_description() const {
    nlohmann::json r = {{"policy", policy_.name},
                        {"min_count", policy_.min_count},
                        {"redact_at", policy_.redact_at < 0 ? nlohmann::json(nullptr) : nlohmann::json(policy_.redact_at)},
                        {"rounding", perturbs() ? 1 : policy_.base()}};
    if (perturbs()) r["perturbation"] = perturbation_summary();
    return r;
}

nlohmann::json ReleaseLayer::scope_record(const std::string& scope, std::int64_t suppressed,
                                          std::int64_t coarsened) const {
    nlohmann::json withheld = nlohmann::json::array(), coarse = nlohmann::json::array();
    std::int64_t total = 0;
    if (const auto it = scopes_.find(scope); it != scopes_.end()) {
        for (const auto& e : it->second.withheld) withheld.push_back({e.field, e.where, e.rule, e.detail});
        for (const auto& [key, v] : it->second.coarsened) coarse.push_back({key.first, key.second, v.first, v.second});
        total = it->second.withheld_total;
    }
    return {{"withheld", withheld}, {"withheld_total", total}, {"coarsened", coarse},
            {"suppressed", suppressed}, {"coarsened_total", coarsened}};
}

void ReleaseLayer::restore_scope(const std::string& scope, const nlohmann::json& record) {
    begin(scope);
    Scope& s = current();
    for (const auto& e : record.at("withheld"))
        s.withheld.push_back({e.at(0).get<std::string>(), e.at(1).get<std::string>(), e.at(2).get<std::string>(),
                              e.at(3).get<std::string>()});
    s.withheld_total += record.at("withheld_total").get<std::int64_t>();
    for (const auto& c : record.at("coarsened")) {
        auto& v = s.coarsened[{c.at(0).get<std::string>(), c.at(1).get<std::string>()}];
        v.first += c.at(2).get<std::int64_t>();
        if (v.second.empty()) v.second = c.at(3).get<std::string>();
    }
    suppressed_ += record.at("suppressed").get<std::int64_t>();
    coarsened_ += record.at("coarsened_total").get<std::int64_t>();
}

}  // namespace kohort
