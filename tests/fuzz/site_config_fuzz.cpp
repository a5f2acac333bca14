// The site configuration (jobs/site_config): [disclosure], [audit] and [project.NAME] sections,
// read from $KOHORT_SITE_CONFIG, which points at a scratch file holding the input.
#include <cstdlib>
#include <string>

#include "fuzz_common.hpp"
#include "jobs/site_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string path = [] {
        std::string p = kohort::fuzz::scratch_file("_site.ini");
        ::setenv("KOHORT_SITE_CONFIG", p.c_str(), 1);
        return p;
    }();
    kohort::fuzz::write_file(path, data, size);
    kohort::fuzz::expect_clean([&] {
        const kohort::SiteConfig site = kohort::load_site_config();
        (void)kohort::effective_policy(site, "");
        site.check_approved("fuzz", "t", "c");
    });
    return 0;
}
