#include <gtest/gtest.h>

#include "core/error.hpp"
#include "jobs/disclosure.hpp"
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
