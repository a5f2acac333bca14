// The samples of a GWAS: persons with a complete phenotype row (model frame) and a genotype
// record on this rank, matched on pid. Both tables are partitioned by pid buckets, so every rank
// holds the same persons of both and the join needs no communication.
#pragma once
#include <Eigen/Dense>
#include <cstdint>
#include <string>
#include <vector>

#include "formula/model_frame.hpp"
#include "mpi/comm.hpp"

namespace kohort::gwas {

struct GwasSamples {
    std::vector<std::int64_t> geno_index;  // per used row: the sample's index in the rank's genotype share
    Eigen::MatrixXd C;                     // covariates, intercept included (n_local x k)
    std::vector<std::string> covariate_terms;
    Eigen::VectorXd y;                     // gaussian / binomial outcome
    Eigen::VectorXd time;                  // Surv: time
    Eigen::VectorXi status;                // Surv: 0/1
    std::vector<std::uint64_t> record_keys;  // per used row, under cell key perturbation (else empty)
    std::int64_t n_total = 0;              // used samples, all ranks
    std::int64_t phenotyped_without_genotypes = 0;  // all ranks
    std::int64_t genotyped_without_phenotype = 0;   // all ranks
    Eigen::Index n_local() const { return C.rows(); }
};

// Collective. `frame.cluster` holds each row's pid (the kernel builds the frame with cluster = pid);
// `geno_pids` are this rank's genotype samples, sorted. A pid on two phenotype rows is a UsageError.
GwasSamples join_samples(const ModelFrame& frame, const std::vector<std::int64_t>& geno_pids, const Comm& comm,
                         const std::string& where);

}  // namespace kohort::gwas
