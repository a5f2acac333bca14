// Closed-form cases worked by hand, the serial merge, and the documented edge cases.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "kernels/survival/km_estimator.hpp"
#include "kernels/survival/km_kernel.hpp"
#include "kernels/survival/logrank.hpp"
#include "kernels/survival/svg_plot.hpp"

using namespace kohort;
using namespace kohort::survival;

namespace {

EventRows rows(std::vector<double> t, std::vector<int> st, std::vector<int> stratum = {}) {
    EventRows r;
    r.stop = t;
    r.status = st;
    r.weight.assign(t.size(), 1.0);
    r.stratum = stratum.empty() ? std::vector<int>(t.size(), 0) : stratum;
    return r;
}

TEST(KaplanMeier, NoCensoringIsTheEmpiricalSurvivalFunction) {
    // 1 - F_n(t); Greenwood sum_{t_i <= t} d/(n(n-d)) = 1/(n-k) - 1/n after k deaths (telescoping).
    EventCounts c(1, 1);
    c.consume(rows({5, 1, 3, 3, 8}, {1, 1, 1, 1, 1}));
    const KmCurve k = kaplan_meier(c.stratum(0), 1, false, {});
    ASSERT_EQ(k.time, (std::vector<double>{1, 3, 5, 8}));
    const std::vector<double> s{0.8, 0.4, 0.2, 0.0}, dead{1, 3, 4, 5};
    for (int j = 0; j < 3; ++j) {
        EXPECT_NEAR(k.survival[j], s[j], 1e-15);
        EXPECT_NEAR(k.std_err[j], std::sqrt(1.0 / (5 - dead[j]) - 1.0 / 5), 1e-15);
    }
    EXPECT_EQ(k.survival[3], 0.0);
    EXPECT_TRUE(std::isinf(k.std_err[3]));  // n = d: R reports Inf
}

TEST(KaplanMeier, HandWorkedExampleWithCensoring) {
    // Times 1, 2+, 3, 3, 4+, 5: S(1) = 5/6, S(3) = 5/6 * 2/4 = 5/12, S(5) = 0.
    // Greenwood at 3: 1/(6*5) + 2/(4*2) = 17/60; log CI at 3: S exp(+-1.959964 sqrt(17/60)).
    EventCounts c(1, 1);
    c.consume(rows({1, 2, 3, 3, 4, 5}, {1, 0, 1, 1, 0, 1}));
    const KmCurve k = kaplan_meier(c.stratum(0), 1, false, {});
    ASSERT_EQ(k.time, (std::vector<double>{1, 2, 3, 4, 5}));
    EXPECT_EQ(k.n_risk, (std::vector<double>{6, 5, 4, 2, 1}));
    EXPECT_EQ(k.n_censor, (std::vector<double>{0, 1, 0, 1, 0}));
    EXPECT_NEAR(k.survival[0], 5.0 / 6, 1e-15);
    EXPECT_NEAR(k.survival[2], 5.0 / 12, 1e-15);
    EXPECT_NEAR(k.survival[3], 5.0 / 12, 1e-15);
    EXPECT_NEAR(k.std_err[2], std::sqrt(17.0 / 60), 1e-15);
    const double z = 1.959963984540054;
    EXPECT_NEAR(k.conf_low[2], 5.0 / 12 * std::exp(-z * std::sqrt(17.0 / 60)), 1e-12);
    EXPECT_NEAR(k.conf_high[2], std::min(1.0, 5.0 / 12 * std::exp(z * std::sqrt(17.0 / 60))), 1e-12);
    EXPECT_EQ(k.survival[4], 0.0);
    EXPECT_TRUE(std::isnan(k.conf_low[4]));  // log CI undefined at S = 0, as R's NA
}

TEST(KaplanMeier, AllCensoredGivesSurvivalOne) {
    EventCounts c(1, 1);
    c.consume(rows({2, 4, 6}, {0, 0, 0}));
    const KmCurve k = kaplan_meier(c.stratum(0), 1, false, {});
    for (std::size_t j = 0; j < k.time.size(); ++j) {
        EXPECT_EQ(k.survival[j], 1.0);
        EXPECT_EQ(k.std_err[j], 0.0);
    }
}

TEST(LogRank, HandWorkedTwoGroups) {
    // A: deaths at 1 and 3; B: death at 2, censored at 4. O_A = 2, E_A = 1/2 + 1/3 + 1/2 = 4/3,
    // V = 1/4 + 2/9 + 1/4 = 13/18, chi-square = (2/3)^2 / (13/18) = 8/13.
    EventCounts c(2, 1);
    c.consume(rows({1, 3, 2, 4}, {1, 1, 1, 0}, {0, 0, 1, 1}));
    std::vector<double> O, E;
    const ChiSquareTest t = logrank_test(c, {0, 1}, 2, {0, 0}, 1, &O, &E);
    EXPECT_NEAR(t.statistic, 8.0 / 13, 1e-14);
    EXPECT_EQ(t.df, 1);
    EXPECT_NEAR(E[0], 4.0 / 3, 1e-14);
    EXPECT_NEAR(t.p, std::erfc(std::sqrt(8.0 / 13 / 2)), 1e-12);  // chi-square(1) tail
}

TEST(LogRank, StratumWithNoEventsStillTests) {
    // Group B never has an event; the curve of B stays at 1 and the test is well defined.
    EventCounts c(2, 1);
    c.consume(rows({1, 2, 3, 4, 5, 6}, {1, 1, 1, 0, 0, 0}, {0, 0, 0, 1, 1, 1}));
    const KmCurve b = kaplan_meier(c.stratum(1), 1, false, {});
    for (double s : b.survival) EXPECT_EQ(s, 1.0);
    const ChiSquareTest t = logrank_test(c, {0, 1}, 2, {0, 0}, 1);
    EXPECT_EQ(t.df, 1);
    EXPECT_GT(t.statistic, 0.0);
}

TEST(EventCounts, MergeOfPartsEqualsTheWhole) {
    const EventRows all = rows({3, 1, 4, 1, 5, 9, 2, 6}, {1, 0, 1, 1, 0, 1, 1, 0}, {0, 1, 0, 1, 0, 1, 0, 1});
    EventCounts whole(2, 1);
    whole.consume(all);
    EventCounts a(2, 1), b(2, 1);
    a.consume(rows({3, 1, 4, 1}, {1, 0, 1, 1}, {0, 1, 0, 1}));
    b.consume(rows({5, 9, 2, 6}, {0, 1, 1, 0}, {0, 1, 0, 1}));
    a.merge(b);
    for (int s = 0; s < 2; ++s) {
        EXPECT_EQ(a.stratum(s).time, whole.stratum(s).time);
        EXPECT_EQ(a.stratum(s).w, whole.stratum(s).w);
        EXPECT_EQ(a.stratum(s).rows, whole.stratum(s).rows);
    }
}

TEST(AalenJohansen, OneCauseNoCensoringIsTheEmpiricalDistribution) {
    EventCounts c(1, 2);
    c.consume(rows({1, 2, 2, 3}, {1, 2, 1, 1}));
    const AjCurve aj = aalen_johansen(c.stratum(0), 2);
    // F1 = #cause-1 deaths by t / n; F2 likewise.
    EXPECT_NEAR(aj.cif[0][0], 0.25, 1e-15);
    EXPECT_NEAR(aj.cif[0][1], 0.5, 1e-15);
    EXPECT_NEAR(aj.cif[1][1], 0.25, 1e-15);
    EXPECT_NEAR(aj.cif[0][2], 0.75, 1e-15);
    // Without censoring the IJ variance is the binomial p(1-p)/n.
    EXPECT_NEAR(aj.cif_se[0][1], std::sqrt(0.5 * 0.5 / 4), 1e-14);
    EXPECT_NEAR(aj.cif_se[1][2], std::sqrt(0.25 * 0.75 / 4), 1e-14);
}

TEST(Options, ConfTypeIsValidated) {
    // Bad values are refused when the section is validated, before the kernel runs.
    const std::map<std::string, std::string> base = {{"table", "t"}, {"formula", "Surv(time, status) ~ 1"}};
    auto with = [&](std::map<std::string, std::string> extra) {
        extra.insert(base.begin(), base.end());
        return validate_model_options("km", "km1", extra);
    };
    EXPECT_THROW(with({{"conf_type", "logit2"}}), UsageError);
    EXPECT_THROW(with({{"conf_type", "log-log"}, {"conf_int", "1.5"}}), UsageError);
    const Options spec = with({{"conf_type", "log-log"}, {"conf_int", "0.9"}});
    EXPECT_EQ(conf_options(spec).type, ConfType::log_log);
}

TEST(Svg, DrawsCurvesLegendAndRiskTable) {
    StepPlot p;
    p.title = "t";
    p.series.push_back({"sex=1 & <x>", {1, 2}, {0.5, 0.25}, 1.0, {0.3, 0.1}, {0.7, 0.5}, {}, 0});
    RiskTable r{{"sex=1"}, {0}, {{"4", "2", "1"}}};
    const std::string svg = render_step_plot(p, axis_ticks(2), r);
    EXPECT_NE(svg.find("<svg"), std::string::npos);
    EXPECT_NE(svg.find("Number at risk"), std::string::npos);
    EXPECT_NE(svg.find("sex=1 &amp; &lt;x&gt;"), std::string::npos);
    EXPECT_NE(svg.find("<polygon"), std::string::npos);
}

}  // namespace
