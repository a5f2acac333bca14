// The job-wide release layer (contract section 7, issue 10). Every number that leaves a job passes
// through one ReleaseLayer: kernels hand it counts with their meaning (a model size, a curve's
// cumulative count, a table cell with its coordinates, a count in a job.log line), it applies the
// policy, records each value it withheld or coarsened with the rule that did it, and writes that
// record as OUTPUT/disclosure.json for the output checker.
//
// The guarantee it implements (docs/governance.md): under a policy with minimum k, a person count
// is released as 0, as withheld (1 .. k-1), or rounded to a multiple of the policy's base b >= 2
// (b = the policy's rounding, or k where the policy sets none). Every released count is therefore
// uncertain over b values, so no difference, margin or sum of released counts pins a count of
// 1 .. k-1 persons; curves are recomputed from such counts (kernels/survival/curve_release.hpp).
//
// Cell key perturbation (issue 16, jobs/cell_key.hpp): when the policy perturbs, every count
// carries its cell key (the uint64 sum of its rows' record keys, summed across ranks by the
// kernel) as CountMeaning::cell_key. `release` then adds the noise the perturbation table gives for
// (count, cell key): 0 stays 0; the perturbed count is withheld when it is 1 .. k-1; it is not
// rounded. A count released without a cell key under perturbation is an InternalError, so a
// kernel that misses one fails its tests instead of releasing an unperturbed count.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jobs/cell_key.hpp"
#include "jobs/disclosure.hpp"

namespace kohort {

// What a released count means, for the record: the field (e.g. "n", "events", "cells.count",
// "curves.n_event") and where in the model (e.g. "sex=2, region=Nordjylland"; empty for a model size).
struct CountMeaning {
    CountMeaning(std::string f = "count", std::string w = "", std::optional<cellkey::Key> key = std::nullopt)
        : field(std::move(f)), where(std::move(w)), cell_key(key) {}
    std::string field;
    std::string where;
    std::optional<cellkey::Key> cell_key;  // issue 16: the sum of the count's record keys mod 2^64
};

// Rules, as disclosure.json names them.
namespace rule {
inline constexpr const char* min_count = "min_count";            // 1 .. k-1 persons: withheld
inline constexpr const char* rounding = "rounding";              // rounded to a multiple of the base
inline constexpr const char* curve = "curve_coarsening";         // times binned, cumulative counts rounded
inline constexpr const char* small_level = "small_level";        // a level held by fewer than k persons
inline constexpr const char* complementary = "complementary";    // withheld so a withheld value can't be derived
inline constexpr const char* derived = "derived_from_counts";    // would give a count back (df, expected)
inline constexpr const char* few_values = "quantile_min_values"; // quantile from fewer than k values
inline constexpr const char* single_value = "single_person_value"; // min / max: one person's value
inline constexpr const char* dominance = "dominance";            // ACRO (n, k) dominance of a sum
inline constexpr const char* model_size = "model_size";          // model withheld: rows or events below k
inline constexpr const char* cell_key = "cell_key_perturbation";  // noise from the perturbation table
}  // namespace rule

class ReleaseLayer {
public:
    explicit ReleaseLayer(DisclosurePolicy policy) : policy_(std::move(policy)) {}
    const DisclosurePolicy& policy() const { return policy_; }
    // True under `none` without perturbation: everything is released exactly (public test data).
    bool exact() const {
        return !perturbs() && policy_.min_count <= 0 && policy_.redact_at < 0 && policy_.base() <= 1;
    }

    // Cell key perturbation (the policy's perturb): the table and the record-key maker. Without
    // these a perturbing policy is an InternalError at the first release.
    void set_perturbation(std::shared_ptr<const cellkey::PerturbationTable> table,
                          std::shared_ptr<cellkey::RecordKeys> keys);
    bool perturbs() const { return policy_.perturb; }
    const cellkey::PerturbationTable* perturbation_table() const { return table_.get(); }
    // Record keys for a pid column (local rows); empty when the policy does not perturb.
    std::vector<cellkey::Key> record_keys(const std::vector<std::int64_t>& pids) const;
    // The count as released, without a record: perturbed (when the policy perturbs) and withheld
    // below the minimum. For decisions that themselves reveal a count (withhold a model or not).
    std::optional<std::int64_t> peek(std::int64_t count, std::optional<cellkey::Key> cell_key) const;

    // Later records belong to this scope: a model name, or "cohort:NAME" for a derived table, or
    // "job" for the job log.
    void begin(const std::string& scope) { scope_ = scope; }
    const std::string& scope() const { return scope_; }

    // A person count as released: nullopt when withheld, else rounded to the policy's base.
    std::optional<std::int64_t> release(std::int64_t count, const CountMeaning& meaning = {});
    nlohmann::json release_json(std::int64_t count, const CountMeaning& meaning = {});
    // The count as text for CSVs, SVG risk tables and job.log: the number, or "<k" when withheld.
    std::string release_text(std::int64_t count, const CountMeaning& meaning = {});
    // A count that has no cell key (e.g. distinct clusters, not a set of persons' rows): as
    // release_json without perturbation; withheld under it.
    nlohmann::json release_json_unkeyed(std::int64_t count, const CountMeaning& meaning);
    std::string withheld_text() const;
    // A count repeated in a job.log line: the policy applied, no record (the value it repeats is
    // recorded where it is released).
    std::string log_count(std::int64_t count) const;
    // A count in an error message (core/error_counts.hpp): as log_count, but "some" under
    // perturbation, since a failed job has no results.json to point to.
    std::string error_count(std::int64_t count) const;

    // A value that is not a plain count was withheld or coarsened; `rule` says why.
    void withheld(const std::string& field, const std::string& where, const std::string& rule, const std::string& detail = "");
    void coarsened(const std::string& field, const std::string& where, const std::string& rule, const std::string& detail = "");

    // Regression models are released only when their rows and events are releasable counts. When
    // not, records the withheld model, fills `result` with the withheld shape and returns true.
    // Under perturbation the decision is taken on the perturbed counts (n_key, events_key required).
    bool withhold_model(std::int64_t n, std::int64_t events, nlohmann::json& result,
                        std::optional<cellkey::Key> n_key = std::nullopt,
                        std::optional<cellkey::Key> events_key = std::nullopt);

    std::int64_t suppressed() const { return suppressed_; }
    std::int64_t coarsened_count() const { return coarsened_; }
    void note_suppressed(std::int64_t n = 1) { suppressed_ += n; }

    // OUTPUT/disclosure.json (schema in docs/results.md).
    nlohmann::json report() const;
    // The rules in force, without anything recorded under them: report()'s policy, min_count,
    // redact_at, rounding and perturbation fields. Part of the job checkpoint's key.
    nlohmann::json policy_description() const;
    // The "perturbation" block of disclosure.json and results.json (method, table, parameters, note).
    nlohmann::json perturbation_summary() const;

    // What one scope (a model) recorded, to save with the model in the job checkpoint, and to put
    // back when a rerun restores the model instead of fitting it: a resumed job's disclosure.json
    // is then the uninterrupted run's (contract section 9). `suppressed` and `coarsened` are what
    // the scope added to the job's totals.
    nlohmann::json scope_record(const std::string& scope, std::int64_t suppressed, std::int64_t coarsened) const;
    void restore_scope(const std::string& scope, const nlohmann::json& record);

private:
    struct Entry {
        std::string field, where, rule, detail;
    };
    struct Scope {
        std::vector<Entry> withheld;
        std::int64_t withheld_total = 0;
        // (field, rule) -> how many values were coarsened, with one detail
        std::map<std::pair<std::string, std::string>, std::pair<std::int64_t, std::string>> coarsened;
    };
    static constexpr std::size_t kListed = 1000;  // withheld values listed per scope; the rest counted

    DisclosurePolicy policy_;
    std::shared_ptr<const cellkey::PerturbationTable> table_;
    std::shared_ptr<cellkey::RecordKeys> keys_;
    std::string scope_ = "job";
    std::map<std::string, Scope> scopes_;
    std::vector<std::string> scope_order_;
    std::int64_t suppressed_ = 0, coarsened_ = 0;
    Scope& current();
};

// The name kernels and tests have used since the first disclosure control.
using DisclosureLedger = ReleaseLayer;

}  // namespace kohort
