#include "mpi/transport.hpp"

#include <cstdlib>
#include <cstring>

namespace kohort {
namespace {
bool set(const EnvLookup& env, const char* name) {
    const char* v = env(name);
    return v != nullptr && *v != '\0';
}
bool equal(const char* a, const char* b) { return a != nullptr && b != nullptr && std::strcmp(a, b) == 0; }
}  // namespace

std::string single_node_pml(const EnvLookup& env) {
    if (set(env, "OMPI_MCA_pml")) return "";
    // mpirun (ORTE) tells each rank the job's size and how many ranks share its node.
    if (set(env, "OMPI_COMM_WORLD_SIZE"))
        return equal(env("OMPI_COMM_WORLD_SIZE"), env("OMPI_COMM_WORLD_LOCAL_SIZE")) ? "ob1" : "";
    // srun tells each task how many nodes its step spans.
    if (set(env, "SLURM_STEP_NUM_NODES")) return equal(env("SLURM_STEP_NUM_NODES"), "1") ? "ob1" : "";
    // Another launcher whose placement we cannot read: leave the choice to Open MPI.
    if (set(env, "PMIX_RANK") || set(env, "PMI_RANK")) return "";
    return "ob1";  // a singleton: one process, one node
}

const char* process_env(const char* name) { return std::getenv(name); }

SingleNodeTransport::SingleNodeTransport(const EnvLookup& env) : pml_(single_node_pml(env)) {
    if (!pml_.empty() && ::setenv("OMPI_MCA_pml", pml_.c_str(), 0) != 0) pml_.clear();
}

SingleNodeTransport::~SingleNodeTransport() {
    if (!pml_.empty()) ::unsetenv("OMPI_MCA_pml");
}

}  // namespace kohort
