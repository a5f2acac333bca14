// The design matrix and response of one model, built from each rank's local rows.
// Factor levels are agreed across ranks (allgather of the distinct levels, then a global sort),
// so a level seen on one rank only still gets the same column everywhere.
#pragma once
#include <Eigen/Dense>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "formula/formula.hpp"
#include "mpi/comm.hpp"
#include "store/address_room.hpp"
#include "store/table.hpp"

namespace kohort {

struct FrameOptions {
    bool allow_intercept = true;               // glm: true; cox/km/cif: no intercept column
    std::string weights_column;                // job file `weights = w` (empty: all 1)
    std::string cluster_column;                // job file `cluster = id` (formula cluster() wins)
    std::string source;                        // for messages, e.g. "job.ini [model.cox1]"
    // false: Surv status is normalised to 0/1 (0/1, bool, or R's 1/2 coding where 2 = event,
    // decided from the values seen on all ranks). true (cif, finegray): kept as 0 = censored, 1..K.
    bool competing_risks = false;
    // Per row of the table: its record key (cell key perturbation, jobs/cell_key.hpp), or null.
    const std::vector<std::uint64_t>* record_keys = nullptr;
    // Take ModelFrame::x_summary as X is copied (the Cox set-up reads it; other models would only
    // pay for it).
    bool summarise_columns = false;
    // Leave ModelFrame::weights and offset empty where the job gives no weights and the formula no
    // offset, instead of a vector of ones and one of zeros (the Cox set-up reads an empty vector as
    // that constant; other models index them row by row).
    bool constants_left_empty = false;
    // Hold address space above X (ModelFrame::x_room) from the moment X is allocated, so that X's
    // storage can later grow in place: the Cox set-up on several ranks, where a rank may receive
    // more rows than it had (store/address_room.hpp says why a moved block is slow).
    bool room_to_grow_x = false;
};

struct ModelFrame {
    // Local rows after dropping rows with a missing value in any used column.
    Eigen::MatrixXd X;                         // n_local x p; includes "(Intercept)" if present
    std::vector<std::string> terms;            // column labels, contract section 4 naming
    bool has_intercept = false;

    Eigen::VectorXd y;                         // Column response (glm)
    Eigen::VectorXd start, stop;               // Surv: stop = time; start only for Surv3
    Eigen::VectorXi status;                    // 0 censored, 1 event (or 1..K causes, see options)
    bool has_start = false;

    Eigen::VectorXd weights;                   // all 1 when none (empty: FrameOptions::constants_left_empty)
    Eigen::VectorXd offset;                    // all 0 when none (empty: FrameOptions::constants_left_empty)
    std::vector<std::int32_t> strata;          // global stratum index per row (0 when no strata)
    std::vector<std::string> strata_labels;    // e.g. "sex=1" or "sex=1, inst=3"; {"all"} when none
    std::vector<std::int64_t> cluster;         // cluster id per row when has_cluster
    bool has_cluster = false;
    std::string cluster_column;                // the cluster column's name when has_cluster
    // Per used row, its record key when FrameOptions::record_keys was given; else empty.
    std::vector<std::uint64_t> record_keys;

    std::int64_t n_total = 0;                  // rows used, all ranks
    std::int64_t n_dropped_missing = 0;        // rows dropped, all ranks

    // Per column of X, taken while the frame copies a plain numeric column from the table, so that
    // a model that needs them (the Cox set-up's means and constant columns) does not read X once
    // more: the sum, minimum and maximum of this rank's values. In a fixed order (blocks of rows,
    // lanes within a block), so they do not depend on the number of threads. Taken only with
    // FrameOptions::summarise_columns; `known` is false for the other columns (a factor level, a
    // product) and the vector is empty in a frame made without it or elsewhere. It describes X as
    // built: code that changes X must clear it.
    struct ColumnSummary {
        double sum = 0;
        double min = std::numeric_limits<double>::infinity();
        double max = -std::numeric_limits<double>::infinity();
        bool known = false;
    };
    std::vector<ColumnSummary> x_summary;

    // The address space above X's storage, held where FrameOptions::room_to_grow_x asked for it;
    // whoever grows X releases it first.
    AddressRoom x_room;
    Eigen::Index n_local() const { return X.rows(); }
};

// Collective over comm. Throws UsageError naming the model when a column is missing or of a
// type the formula cannot use.
ModelFrame build_model_frame(const Formula& formula, const Table& local, const Comm& comm,
                             const FrameOptions& options);

// The same, consuming the table: each column is freed once the frame has read it for the last
// time, so peak memory is about one copy of the data instead of the table plus the frame.
// `local` is left without columns.
ModelFrame build_model_frame(const Formula& formula, Table&& local, const Comm& comm, const FrameOptions& options);

}  // namespace kohort
