// Which point-to-point layer Open MPI uses, chosen before MPI_Init from what the launcher says about
// the job's placement.
//
// Why: with no choice made, Open MPI 4.1's MPI_Init opens every pml it has and lets each probe for
// its network (pml ucx through UCX, pml cm through libfabric's providers), and keeps ob1 when none
// is there. That probing costs 0.2-0.3 s per process start on a node without such a network
// (`mpirun -np 2 kohort --version` 0.59-0.60 s against 0.36-0.39 s with pml ob1 on the project VM,
// docs/benchmarks.md), a tenth of a 4M-row fit. When all ranks share one node they talk through
// shared memory (btl vader under pml ob1) whatever the choice, so kohort names ob1 there. Across
// nodes it leaves Open MPI's own choice alone: that is where UCX or libfabric carry the traffic.
#pragma once
#include <functional>
#include <string>

namespace kohort {

// Reads one environment variable (nullptr when unset); a parameter so the rule is testable.
using EnvLookup = std::function<const char*(const char*)>;

// The value kohort gives OMPI_MCA_pml for this process, or "" to leave Open MPI's default:
//  - "" when OMPI_MCA_pml is set already (by the user, the admin, or `mpirun --mca pml X`);
//  - "ob1" when mpirun placed every rank on this node (OMPI_COMM_WORLD_LOCAL_SIZE equals
//    OMPI_COMM_WORLD_SIZE), when srun's step spans one node (SLURM_STEP_NUM_NODES=1), or when
//    the process runs alone without a launcher (a singleton: no OMPI_COMM_WORLD_SIZE, PMIX_RANK,
//    PMI_RANK or SLURM_STEP_NUM_NODES);
//  - "" otherwise (several nodes, or a launcher that does not say).
std::string single_node_pml(const EnvLookup& env);

// The process environment, as an EnvLookup.
const char* process_env(const char* name);

// Sets OMPI_MCA_pml to single_node_pml(env) for MPI_Init, if it names one, and takes it away
// again on destruction, so processes kohort starts later (mpirun in `kohort demo`, sbatch in
// `kohort submit`, whose job may span nodes) do not inherit the choice.
class SingleNodeTransport {
public:
    explicit SingleNodeTransport(const EnvLookup& env = process_env);
    ~SingleNodeTransport();
    SingleNodeTransport(const SingleNodeTransport&) = delete;
    SingleNodeTransport& operator=(const SingleNodeTransport&) = delete;
    const std::string& pml() const { return pml_; }  // "" when Open MPI chooses

private:
    std::string pml_;
};

}  // namespace kohort
