// report.html's builder on hand-made released files: escaping, tolerance of odd or missing files,
// the shapes of disclosure.json it reads, inline SVG, and how numbers are shown.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "report/html.hpp"
#include "report/report.hpp"

namespace kohort::report {
namespace {

FileMap demo_files() {
    FileMap f;
    f["results.json"] = R"({"kohort_version": "0.1.0",
      "job": {"name": "t<1>", "project": "p", "purpose": "tests", "ranks": 3, "threads_per_rank": 2, "wall_seconds": 1.25},
      "models": {"km1": {"kind": "km", "curves": [{"stratum": "all", "time": [1, 2, 5], "n_risk": [40, 30, 20],
                         "n_event": [6, 7, null], "survival": [0.85, 0.65, 0.6], "conf_low": [0.7, 0.5, 0.4], "conf_high": [0.9, 0.8, 0.75]}]},
                 "c<script>": {"kind": "cox", "n": 40, "converged": false, "iterations": 20,
                         "options": {"formula": "Surv(t, s) ~ x", "kind": "cox", "table": "tab"},
                         "coefficients": [{"term": "x<script>", "estimate": -0.3566749439, "se": 0.1, "z": -3.57, "p": 0.000356,
                                           "exp_estimate": 0.7, "conf_low": 0.5754, "conf_high": 0.8515}]}},
      "disclosure": {"policy": "sds", "min_count": 5, "rounding": 1, "suppressed": 1}})";
    f["km1.svg"] = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
                   "width=\"10\" height=\"10\"><text>0.5</text></svg>\n";
    f["km1.csv"] = "stratum,time\nall,1\n";
    f["job.log"] = "[    0.01s] job 't' on 3 rank(s)\n[    0.50s] model 'km1' (km) on 'tab'\n";
    return f;
}

TEST(ReportPage, SelfContainedAndEscaped) {
    const std::string page = build_report(demo_files());
    EXPECT_NE(page.find("http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'"), std::string::npos);
    EXPECT_EQ(page.find("<script"), std::string::npos);   // the model and term names are escaped
    EXPECT_NE(page.find("x&lt;script&gt;"), std::string::npos);
    EXPECT_EQ(page.find("http://"), std::string::npos);   // namespace URLs dropped from inline SVG
    EXPECT_EQ(page.find("https://"), std::string::npos);
    EXPECT_EQ(page.find("<?xml"), std::string::npos);
    EXPECT_NE(page.find("<title id=\"plot-km1-t\">"), std::string::npos);
    EXPECT_NE(page.find("<desc id=\"plot-km1-d\">"), std::string::npos);
    EXPECT_NE(page.find("Did not converge in 20 iteration(s)"), std::string::npos);
    EXPECT_NE(page.find("Surv(t, s) ~ x"), std::string::npos);
    EXPECT_NE(page.find("0.5754–0.8515"), std::string::npos);
    EXPECT_NE(page.find("3 rank(s) × 2 thread(s)"), std::string::npos);
    EXPECT_NE(page.find("withheld"), std::string::npos);  // the null n_event of the risk table
}

TEST(ReportPage, SameWithOrWithoutAnOldReportInTheFolder) {
    FileMap f = demo_files();
    const std::string page = build_report(f);
    f[kReportFile] = "old page";
    EXPECT_EQ(build_report(f), page);
}

TEST(ReportPage, ReadsDisclosureJsonOfSeveralShapes) {
    FileMap f = demo_files();
    f["disclosure.json"] = R"({"models": {"km1": [{"value": "n_event at t=5", "rule": "below 5", "step": 3}]}})";
    std::string page = build_report(f);
    EXPECT_NE(page.find("n_event at t=5"), std::string::npos);
    EXPECT_NE(page.find("below 5"), std::string::npos);
    EXPECT_NE(page.find("<th scope=\"col\">step</th>"), std::string::npos);  // extra keys get their own column
    f["disclosure.json"] = R"({"km1": ["a bare entry"]})";
    EXPECT_NE(build_report(f).find("a bare entry"), std::string::npos);
    f["disclosure.json"] = R"([{"model": "km1", "value": "from a list", "rule": "r"}])";
    EXPECT_NE(build_report(f).find("from a list"), std::string::npos);
    // The release layer's shape (issue 10): per scope, withheld and coarsened lists with totals.
    f["disclosure.json"] = R"({"policy": "sds", "models": {"km1": {"withheld": [{"field": "curves.n_event", "rule": "min_count",
        "where": "stratum all"}], "withheld_total": 4, "withheld_listed": 1,
        "coarsened": [{"field": "curves.time", "rule": "curve_coarsening", "values": 17}]}, "cohort:study": {"withheld": [],
        "coarsened": [{"field": "flow.persons", "rule": "rounding", "values": 6}]}}})";
    page = build_report(f);
    EXPECT_NE(page.find("<td>curve_coarsening</td>"), std::string::npos);
    EXPECT_NE(page.find("<th scope=\"row\">curves.n_event</th><td>stratum all</td><td>min_count</td><td>withheld</td>"),
              std::string::npos);
    EXPECT_NE(page.find("Withheld in all: 4; listed above: 1."), std::string::npos);
    EXPECT_NE(page.find("Withheld or coarsened in cohort:study"), std::string::npos);
    f["disclosure.json"] = "{not json";
    EXPECT_NE(build_report(f).find("disclosure.json is not valid JSON"), std::string::npos);
}

TEST(ReportPage, GwasPlotsAndTopVariants) {
    FileMap f;
    f["results.json"] = R"({"job": {"name": "g"}, "models": {"gw": {"kind": "gwas", "variants_tested": 1000, "lambda_gc": 1.01,
        "top": [{"id": "rs1", "chrom": "1", "pos": 12345, "a1": "A", "beta": 0.35, "se": 0.05, "statistic": 7.0, "p": 2.5e-12}]}}})";
    f["gw_manhattan.svg"] = "<svg xmlns=\"http://www.w3.org/2000/svg\"><text>m</text></svg>";
    f["gw_qq.svg"] = "<svg xmlns=\"http://www.w3.org/2000/svg\"><text>q</text></svg>";
    f["gw.tsv"] = "#CHROM\tPOS\n1\t12345\n";
    const std::string page = build_report(f);
    EXPECT_NE(page.find("<title id=\"manhattan-gw-t\">gw: Manhattan plot</title>"), std::string::npos);
    EXPECT_NE(page.find("<title id=\"qq-gw-t\">gw: QQ plot</title>"), std::string::npos);
    EXPECT_NE(page.find("Top variants of gw"), std::string::npos);
    EXPECT_NE(page.find("<td>2.5e-12</td>"), std::string::npos);
    EXPECT_NE(page.find("<a href=\"gw.tsv\">gw.tsv</a>"), std::string::npos);
}

TEST(ReportPage, MissingResultsStillMakesAPage) {
    FileMap f;
    f["job.log"] = "[    0.01s] started\n";
    const std::string page = build_report(f);
    EXPECT_NE(page.find("results.json was not released."), std::string::npos);
    EXPECT_NE(page.find("</html>"), std::string::npos);
}

TEST(ReportPage, NumbersAreShownAsReleasedOrRounded) {
    EXPECT_EQ(show(json(0.71234567)), "0.7123");
    EXPECT_EQ(show(json(123456.7)), "123457");
    EXPECT_EQ(show(json(3)), "3");
    EXPECT_EQ(show(json(2.0)), "2");
    EXPECT_EQ(show(json(nullptr)), "–");
    EXPECT_EQ(show_p(json(1.234e-12)), "1.2e-12");
    EXPECT_EQ(show_count(json(nullptr)), "withheld");
    EXPECT_EQ(show(json(std::nan(""))), "NA");  // as R prints it
}

TEST(ReportPage, CsvRowsWithQuotes) {
    const auto rows = parse_csv("a,b\n\"x,1\",\"say \"\"hi\"\"\"\r\n3,\n");
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[1][0], "x,1");
    EXPECT_EQ(rows[1][1], "say \"hi\"");
    EXPECT_EQ(rows[2].size(), 2u);
}

// The header names the job's audit record by its hash; `kohort report` keeps the hash the folder's
// page shows, and a page that shows none says so.
TEST(ReportPage, ShowsAndKeepsTheAuditRecordHash) {
    const std::string hash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    const std::string page = build_report(demo_files(), hash);
    EXPECT_NE(page.find(audit_hash_markup(hash)), std::string::npos);
    EXPECT_EQ(audit_hash_shown(page), hash);
    const std::string zeros(64, '0');  // what a job stages (jobs/audited_commit.hpp)
    EXPECT_EQ(audit_hash_markup(zeros).size(), audit_hash_markup(hash).size());
    const std::string staged = build_report(demo_files(), zeros);
    ASSERT_NE(staged.find(audit_hash_markup(zeros)), std::string::npos);
    EXPECT_EQ(staged.find(audit_hash_markup(zeros)), staged.rfind(audit_hash_markup(zeros)));
    const std::string none = build_report(demo_files());
    EXPECT_EQ(audit_hash_shown(none), "");
    EXPECT_NE(none.find("named no audit record"), std::string::npos);

    const auto dir = std::filesystem::temp_directory_path() / "kohort_report_test_audit_hash";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    for (const auto& [name, content] : demo_files()) std::ofstream(dir / name, std::ios::binary) << content;
    EXPECT_EQ(audit_hash_shown(build_report_from_folder(dir.string())), "");
    std::ofstream(dir / kReportFile, std::ios::binary) << page;
    EXPECT_EQ(build_report_from_folder(dir.string()), page);
    std::filesystem::remove_all(dir);
}

// Peak memory per rank: listed for a few ranks, summarised (smallest, middle, largest: each a
// released value) for many.
TEST(ReportPage, PeakMemoryPerRank) {
    FileMap f = demo_files();
    auto results = json::parse(f["results.json"]);
    results["job"]["peak_rss_mib"] = {61, 58, 60};
    f["results.json"] = results.dump();
    EXPECT_NE(build_report(f).find("rank 0: 61, rank 1: 58, rank 2: 60 MiB"), std::string::npos);
    json many = json::array();
    for (int r = 0; r < 40; ++r) many.push_back(100 + (r * 7) % 40);
    results["job"]["peak_rss_mib"] = many;
    f["results.json"] = results.dump();
    EXPECT_NE(build_report(f).find("smallest 100, middle 119, largest 139 MiB over 40 ranks"), std::string::npos);
}

TEST(ReportPage, FolderErrors) {
    const auto dir = std::filesystem::temp_directory_path() / "kohort_report_test_empty";
    std::filesystem::create_directories(dir);
    EXPECT_THROW(read_released_files((dir / "missing").string()), UsageError);
    EXPECT_THROW(read_released_files(dir.string()), UsageError);  // no results.json
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kohort::report
