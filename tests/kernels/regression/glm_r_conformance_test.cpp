// The GLM kernel against R's glm/summary.glm/sandwich, computed in this test run by
// glm_reference.R on mtcars, infert, esoph, warpbreaks and a Poisson rate model with an offset.
#include <gtest/gtest.h>

#include <algorithm>

#include "kernels/regression/glm_fit.hpp"
#include "tests/kernels/regression/glm_test_support.hpp"

namespace kohort::glm::testing {
namespace {

const std::string kDir = "glm_reference_serial";

class GlmAgainstR : public ::testing::Test {
protected:
    static void SetUpTestSuite() { run_reference_script(kDir); }
};

GlmFit fit_all_rows(const ReferenceCase& c) {
    const Comm self(MPI_COMM_SELF);
    const ModelFrame frame = make_frame(c, [](std::size_t) { return true; });
    return fit_glm(frame, options_for(c), self);
}

TEST_F(GlmAgainstR, EveryCaseMatchesR) {
    for (const auto& name : reference_cases()) {
        if (name == "separation") continue;  // path-dependent after 25 steps; see the test below
        const ReferenceCase c = load_case(kDir, name);
        const GlmFit fit = fit_all_rows(c);
        expect_matches_r(fit, c, 1e-8);
        // Warnings R gave should be flagged too (R's own wording where we mimic it).
        for (const auto& w : c.ref["warnings"]) {
            const std::string text = w.get<std::string>();
            if (text.find("zero weight not used") != std::string::npos) continue;  // summary() chatter
            const bool found = std::any_of(fit.warnings.begin(), fit.warnings.end(), [&](const std::string& m) {
                return m.find(text) != std::string::npos;
            });
            EXPECT_TRUE(found) << name << ": R warned '" << text << "'";
        }
    }
}

TEST_F(GlmAgainstR, SeparationIsFlaggedNotSilent) {
    const ReferenceCase c = load_case(kDir, "separation");
    ASSERT_FALSE(c.ref["warnings"].empty());
    const GlmFit fit = fit_all_rows(c);
    const bool flagged = std::any_of(fit.warnings.begin(), fit.warnings.end(), [](const std::string& m) {
        return m.find("fitted probabilities numerically 0 or 1 occurred") != std::string::npos;
    });
    EXPECT_TRUE(flagged);
    EXPECT_LT(fit.deviance, 1e-6);
    EXPECT_EQ(fit.converged, c.ref["converged"].get<bool>());
}

}  // namespace
}  // namespace kohort::glm::testing
