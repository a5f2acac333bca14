# kohort submit and the local Slurm cluster (issue 6).
kohort_test(test_slurm_script
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_slurm_script.cpp
  LIBS kohort_cli kohort_kernels
  LABELS slurm)
target_compile_definitions(test_slurm_script PRIVATE KOHORT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")

# kohort run --plan (src/cli/plan.cpp) against the formula in docs/admin.md.
kohort_test(test_plan
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_plan.cpp
  LIBS kohort_cli kohort_kernels
  LABELS slurm)

# Without a cluster: dry runs, argument errors, no sbatch on PATH.
kohort_script_test(slurm_submit_dry_run ${CMAKE_CURRENT_LIST_DIR}/submit_dry_run.sh LABELS slurm TIMEOUT 120)

# Through a real single-node Slurm (slurm/local/start.sh, needs root, slurm-wlm and munge).
# RESOURCE_LOCK: the cluster has 2 CPUs; jobs from parallel tests would only queue behind each other.
# The fixture starts the cluster before the first of them and, after the last, stops it again
# unless it was already running when the suite began (cluster_fixture.sh).
set(slurm_fixture_env "KOHORT_SOURCE_DIR=${PROJECT_SOURCE_DIR};KOHORT_SLURM_FIXTURE_NOTE=${CMAKE_CURRENT_BINARY_DIR}/tmp/slurm_fixture_note")
add_test(NAME slurm_cluster_up COMMAND ${CMAKE_CURRENT_LIST_DIR}/cluster_fixture.sh up)
add_test(NAME slurm_cluster_down COMMAND ${CMAKE_CURRENT_LIST_DIR}/cluster_fixture.sh down)
set_tests_properties(slurm_cluster_up PROPERTIES FIXTURES_SETUP kohort_slurm_cluster LABELS "e2e;slurm;slurm_cluster"
  ENVIRONMENT "${slurm_fixture_env}" TIMEOUT 180 RESOURCE_LOCK kohort_local_slurm)
set_tests_properties(slurm_cluster_down PROPERTIES FIXTURES_CLEANUP kohort_slurm_cluster LABELS "e2e;slurm;slurm_cluster"
  ENVIRONMENT "${slurm_fixture_env}" TIMEOUT 120 RESOURCE_LOCK kohort_local_slurm)
foreach(t submit_rejected submit_matches_mpirun submit_failed_job submit_cancelled_job submit_requeue_resumes
        node_check_srun)
  kohort_script_test(slurm_${t} ${CMAKE_CURRENT_LIST_DIR}/${t}.sh LABELS "slurm;slurm_cluster" TIMEOUT 600)
  set_tests_properties(slurm_${t} PROPERTIES RESOURCE_LOCK kohort_local_slurm FIXTURES_REQUIRED kohort_slurm_cluster)
endforeach()
