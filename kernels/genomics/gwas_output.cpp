#include "kernels/genomics/gwas_output.hpp"

#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "kernels/kernel.hpp"

namespace kohort::gwas {

namespace {

// Twelve significant digits: more than plink2's six, enough for 1e-10 comparisons across runs.
void append_number(std::string& out, double v) {
    if (std::isnan(v)) {
        out += "NA";
        return;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.12g", v);
    out += buf;
}

std::vector<std::size_t> released_by_p(const std::vector<VariantResult>& results, const std::vector<bool>& released) {
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < results.size(); ++i)
        if (released[i] && !std::isnan(results[i].p)) idx.push_back(i);
    std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return results[a].p < results[b].p; });
    return idx;
}

}  // namespace

const char* family_name(Family family) {
    switch (family) {
        case Family::gaussian: return "gaussian";
        case Family::binomial: return "binomial";
        case Family::cox: return "cox";
    }
    return "?";
}

std::vector<bool> disclosure_gate(const std::vector<VariantResult>& results, const DisclosurePolicy& policy,
                                  std::int64_t n_total) {
    std::vector<bool> released(results.size(), true);
    for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& r = results[i];
        const auto mac = static_cast<std::int64_t>(std::llround(r.minor_count));
        bool withhold = policy.suppresses(mac) || policy.suppresses(n_total - r.obs);
        if (r.minor_count_cases >= 0)
            withhold = withhold || policy.suppresses(static_cast<std::int64_t>(std::llround(r.minor_count_cases)));
        released[i] = !withhold;
    }
    return released;
}

double lambda_gc(const std::vector<VariantResult>& results, const std::vector<bool>& released) {
    std::vector<double> chisq;
    const boost::math::chi_squared_distribution<double> chi1(1.0);
    for (std::size_t i = 0; i < results.size(); ++i) {
        const double p = results[i].p;
        if (!released[i] || std::isnan(p)) continue;
        chisq.push_back(p <= 0 ? std::numeric_limits<double>::max() : p >= 1 ? 0.0
                                                                              : boost::math::quantile(boost::math::complement(chi1, p)));
    }
    if (chisq.empty()) return kNA;
    const std::size_t m = chisq.size() / 2;
    std::nth_element(chisq.begin(), chisq.begin() + static_cast<std::ptrdiff_t>(m), chisq.end());
    double median = chisq[m];
    if (chisq.size() % 2 == 0) {
        const double lower = *std::max_element(chisq.begin(), chisq.begin() + static_cast<std::ptrdiff_t>(m));
        median = 0.5 * (median + lower);
    }
    return median / boost::math::median(chi1);
}

std::string gwas_tsv(Family family, const std::vector<Variant>& variants, const std::vector<VariantResult>& results,
                     const std::vector<bool>& released) {
    std::string out;
    out.reserve(results.size() * 96);
    switch (family) {
        case Family::gaussian: out += "#CHROM\tPOS\tID\tREF\tALT\tA1\tA1_FREQ\tOBS_CT\tBETA\tSE\tT_STAT\tP\n"; break;
        case Family::binomial: out += "#CHROM\tPOS\tID\tREF\tALT\tA1\tA1_FREQ\tFIRTH?\tOBS_CT\tOR\tLOG(OR)_SE\tZ_STAT\tP\n"; break;
        case Family::cox: out += "#CHROM\tPOS\tID\tREF\tALT\tA1\tA1_FREQ\tOBS_CT\tZ_STAT\tP\tBETA\tSE\tWALD_P\n"; break;
    }
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (!released[i]) continue;
        const Variant& v = variants[i];
        const VariantResult& r = results[i];
        // REF is the .bim's sixth column (A2), ALT and A1 its fifth (plink2's reading of a .bim).
        out += v.chrom + '\t' + std::to_string(v.pos) + '\t' + v.id + '\t' + v.a2 + '\t' + v.a1 + '\t' + v.a1 + '\t';
        append_number(out, r.a1_freq);
        out += '\t';
        if (family == Family::binomial) out += r.firth ? "Y\t" : "N\t";
        out += std::to_string(r.obs) + '\t';
        if (family == Family::cox) {
            for (const double x : {r.stat, r.p, r.beta, r.se}) {
                append_number(out, x);
                out += '\t';
            }
            append_number(out, r.wald_p);
        } else {
            append_number(out, family == Family::binomial ? std::exp(r.beta) : r.beta);
            for (const double x : {r.se, r.stat, r.p}) {
                out += '\t';
                append_number(out, x);
            }
        }
        out += '\n';
    }
    return out;
}

nlohmann::json gwas_json(Family family, const std::vector<Variant>& variants,
                         const std::vector<VariantResult>& results, const std::vector<bool>& released, double lambda) {
    std::int64_t withheld = 0, na = 0;
    for (std::size_t i = 0; i < results.size(); ++i) {
        withheld += released[i] ? 0 : 1;
        na += released[i] && std::isnan(results[i].p) ? 1 : 0;
    }
    nlohmann::json top = nlohmann::json::array();
    const auto order = released_by_p(results, released);
    for (std::size_t j = 0; j < std::min<std::size_t>(20, order.size()); ++j) {
        const Variant& v = variants[order[j]];
        const VariantResult& r = results[order[j]];
        nlohmann::json t = {{"id", v.id}, {"chrom", v.chrom}, {"pos", v.pos}, {"a1", v.a1},
                            {"a1_freq", json_number(r.a1_freq)}, {"obs_ct", r.obs},
                            {"beta", json_number(r.beta)}, {"se", json_number(r.se)},
                            {"statistic", json_number(r.stat)}, {"p", json_number(r.p)}};
        if (family == Family::binomial) t["firth"] = r.firth;
        if (family == Family::cox) t["wald_p"] = json_number(r.wald_p);
        top.push_back(std::move(t));
    }
    return {{"family", family_name(family)},
            {"variants", static_cast<std::int64_t>(results.size())},
            {"variants_tested", static_cast<std::int64_t>(results.size()) - withheld - na},
            {"variants_na", na},
            {"variants_withheld", withheld},
            {"lambda_gc", json_number(lambda)},
            {"top", std::move(top)}};
}

}  // namespace kohort::gwas
