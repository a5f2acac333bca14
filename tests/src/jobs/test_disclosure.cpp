#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/error_counts.hpp"
#include "jobs/release.hpp"
#include "jobs/site_config.hpp"

using namespace kohort;

TEST(Disclosure, NamedPolicies) {
    EXPECT_FALSE(DisclosurePolicy::named("none").suppresses(1));
    const auto sds = DisclosurePolicy::named("sds");
    EXPECT_TRUE(sds.suppresses(4));
    EXPECT_FALSE(sds.suppresses(5));
    EXPECT_FALSE(sds.suppresses(0));  // an empty cell discloses nobody
    const auto dst = DisclosurePolicy::named("dst");
    EXPECT_TRUE(dst.suppresses(2));
    EXPECT_FALSE(dst.suppresses(3));
    const auto os = DisclosurePolicy::named("opensafely");
    EXPECT_FALSE(os.release(7).has_value());  // redacted at 7 or fewer
    EXPECT_EQ(*os.release(8), 10);            // then rounded to the nearest 5
    EXPECT_EQ(*os.release(12), 10);
    EXPECT_EQ(*os.release(13), 15);
    EXPECT_THROW(DisclosurePolicy::named("lax"), UsageError);
}

TEST(Disclosure, JobMayTightenButNotLoosen) {
    SiteConfig site;
    site.policy = DisclosurePolicy::named("dst");
    EXPECT_EQ(effective_policy(site, "").min_count, 3);
    EXPECT_EQ(effective_policy(site, "sds").min_count, 5);
    EXPECT_THROW(effective_policy(site, "none"), GovernanceError);
}

TEST(Disclosure, LedgerCountsSuppressions) {
    DisclosureLedger ledger(DisclosurePolicy::named("sds"));
    EXPECT_FALSE(ledger.release(3).has_value());
    EXPECT_EQ(*ledger.release(50), 50);
    EXPECT_EQ(ledger.suppressed(), 1);
}

TEST(Disclosure, ProjectApprovals) {
    SiteConfig site;
    site.path = "site.ini";
    site.projects["p1"].tables = {"population"};
    site.projects["p1"].columns = {"population.sex", "pid"};
    EXPECT_NO_THROW(site.check_approved("p1", "population", "sex"));
    EXPECT_NO_THROW(site.check_approved("p1", "population", "pid"));
    EXPECT_THROW(site.check_approved("p1", "population", "region"), GovernanceError);
    EXPECT_THROW(site.check_approved("p1", "diagnoses", "pid"), GovernanceError);
    EXPECT_THROW(site.check_approved("p2", "population", "sex"), GovernanceError);
}

TEST(Disclosure, NamedPoliciesRoundToTheirBase) {
    // dst and sds round to their minimum, so no difference of released counts is a small count.
    const auto sds = DisclosurePolicy::named("sds");
    EXPECT_EQ(sds.base(), 5);
    EXPECT_EQ(*sds.release(5), 5);
    EXPECT_EQ(*sds.release(7), 5);
    EXPECT_EQ(*sds.release(8), 10);
    EXPECT_EQ(*sds.release(227), 225);
    EXPECT_EQ(*sds.release(0), 0);
    EXPECT_EQ(DisclosurePolicy::named("dst").base(), 3);
    EXPECT_EQ(*DisclosurePolicy::named("dst").release(4), 3);
    EXPECT_EQ(DisclosurePolicy::named("none").base(), 1);
    EXPECT_EQ(*DisclosurePolicy::named("none").release(227), 227);
}

TEST(Disclosure, ReleaseLayerRecordsEachValueAndRule) {
    ReleaseLayer rel(DisclosurePolicy::named("sds"));
    rel.begin("t1");
    EXPECT_FALSE(rel.release(3, {"cells.count", "sex=2"}).has_value());
    EXPECT_EQ(*rel.release(12, {"cells.count", "sex=1"}), 10);
    EXPECT_EQ(rel.release_text(2, {"n", ""}), "<5");
    rel.begin("km1");
    rel.withheld("logrank.expected", "", rule::derived);
    EXPECT_EQ(rel.log_count(3), "<5");  // a log line repeats a count without a new record
    const auto r = rel.report();
    EXPECT_EQ(r["policy"], "sds");
    EXPECT_EQ(r["rounding"], 5);
    EXPECT_EQ(r["withheld"], 3);
    EXPECT_EQ(rel.suppressed(), 3);
    EXPECT_EQ(r["models"]["t1"]["withheld"][0]["where"], "sex=2");
    EXPECT_EQ(r["models"]["t1"]["withheld"][0]["rule"], "min_count");
    EXPECT_EQ(r["models"]["t1"]["coarsened"][0]["rule"], "rounding");
    EXPECT_EQ(r["models"]["km1"]["withheld"][0]["rule"], "derived_from_counts");
    EXPECT_TRUE(ReleaseLayer(DisclosurePolicy::named("none")).exact());
    EXPECT_FALSE(rel.exact());
}

// Counts in error messages (core/error_counts.hpp): exact outside a job; while a job's rule is
// installed, as its release layer releases them ("<5", rounded), "some" under perturbation; the
// previous rule comes back at the end of the scope.
TEST(Disclosure, ErrorMessageCountsFollowTheJobsPolicy) {
    EXPECT_EQ(error_rows(1), "1 row");
    EXPECT_EQ(error_rows(3), "3 rows");
    {
        const ReleaseLayer sds(DisclosurePolicy::named("sds"));
        const ScopedErrorCounts scope([&sds](std::int64_t n) { return sds.error_count(n); });
        EXPECT_EQ(error_rows(1), "<5 rows");
        EXPECT_EQ(error_count(4), "<5");
        EXPECT_EQ(error_count(12), "10");
        EXPECT_EQ(error_count(0), "0");
        {
            DisclosurePolicy p = DisclosurePolicy::named("sds");
            p.perturb = true;
            const ReleaseLayer perturbing(p);
            const ScopedErrorCounts inner([&perturbing](std::int64_t n) { return perturbing.error_count(n); });
            EXPECT_EQ(error_rows(12), "some rows");
        }
        EXPECT_EQ(error_count(12), "10");
        const ReleaseLayer none(DisclosurePolicy::named("none"));
        EXPECT_EQ(none.error_count(3), "3");
    }
    EXPECT_EQ(error_rows(1), "1 row");
}
