// The single-node pml rule (src/mpi/transport.hpp) against the environments launchers set.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>

#include "mpi/transport.hpp"

namespace kohort {
namespace {

std::string pml_for(const std::map<std::string, std::string>& vars) {
    return single_node_pml([&](const char* name) -> const char* {
        auto it = vars.find(name);
        return it == vars.end() ? nullptr : it->second.c_str();
    });
}

TEST(SingleNodePml, MpirunWithEveryRankOnThisNodeUsesOb1) {
    EXPECT_EQ(pml_for({{"OMPI_COMM_WORLD_SIZE", "4"}, {"OMPI_COMM_WORLD_LOCAL_SIZE", "4"}, {"PMIX_RANK", "2"}}), "ob1");
}

TEST(SingleNodePml, MpirunAcrossNodesLeavesOpenMpisChoice) {
    EXPECT_EQ(pml_for({{"OMPI_COMM_WORLD_SIZE", "8"}, {"OMPI_COMM_WORLD_LOCAL_SIZE", "4"}, {"PMIX_RANK", "5"}}), "");
    // Inside a one-node Slurm allocation mpirun's own figures decide, not the allocation's.
    EXPECT_EQ(pml_for({{"OMPI_COMM_WORLD_SIZE", "8"}, {"OMPI_COMM_WORLD_LOCAL_SIZE", "4"}, {"SLURM_STEP_NUM_NODES", "1"}}), "");
}

TEST(SingleNodePml, SrunStepOnOneNodeUsesOb1AndOnSeveralDoesNot) {
    EXPECT_EQ(pml_for({{"SLURM_STEP_NUM_NODES", "1"}, {"PMIX_RANK", "0"}}), "ob1");
    EXPECT_EQ(pml_for({{"SLURM_STEP_NUM_NODES", "2"}, {"PMIX_RANK", "0"}}), "");
    EXPECT_EQ(pml_for({{"SLURM_STEP_NUM_NODES", "16"}, {"PMIX_RANK", "3"}}), "");
}

TEST(SingleNodePml, AnExplicitChoiceIsKept) {
    EXPECT_EQ(pml_for({{"OMPI_MCA_pml", "ucx"}, {"OMPI_COMM_WORLD_SIZE", "2"}, {"OMPI_COMM_WORLD_LOCAL_SIZE", "2"}}), "");
    EXPECT_EQ(pml_for({{"OMPI_MCA_pml", "^ucx"}}), "");
}

TEST(SingleNodePml, SingletonUsesOb1AndAnUnknownLauncherDoesNot) {
    EXPECT_EQ(pml_for({}), "ob1");
    EXPECT_EQ(pml_for({{"PMIX_RANK", "0"}}), "");
    EXPECT_EQ(pml_for({{"PMI_RANK", "1"}}), "");
    // Empty values count as unset.
    EXPECT_EQ(pml_for({{"OMPI_MCA_pml", ""}, {"PMIX_RANK", ""}}), "ob1");
}

TEST(SingleNodeTransport, SetsThePmlForInitAndTakesItAwayAfter) {
    // The decision reads a launcher-less environment; setting and taking away act on the real one.
    ASSERT_EQ(::unsetenv("OMPI_MCA_pml"), 0);
    {
        SingleNodeTransport t([](const char*) -> const char* { return nullptr; });
        EXPECT_EQ(t.pml(), "ob1");
        ASSERT_NE(std::getenv("OMPI_MCA_pml"), nullptr);
        EXPECT_STREQ(std::getenv("OMPI_MCA_pml"), "ob1");
    }
    EXPECT_EQ(std::getenv("OMPI_MCA_pml"), nullptr);
}

TEST(SingleNodeTransport, AcrossNodesSetsNothing) {
    ASSERT_EQ(::unsetenv("OMPI_MCA_pml"), 0);
    {
        SingleNodeTransport t(
            [](const char* n) -> const char* { return std::string(n) == "SLURM_STEP_NUM_NODES" ? "4" : nullptr; });
        EXPECT_EQ(t.pml(), "");
        EXPECT_EQ(std::getenv("OMPI_MCA_pml"), nullptr);
    }
    EXPECT_EQ(std::getenv("OMPI_MCA_pml"), nullptr);
}

}  // namespace
}  // namespace kohort
