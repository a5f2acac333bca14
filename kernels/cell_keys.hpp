// Cell keys of the counts a kernel releases (issue 16, jobs/cell_key.hpp). Each helper is collective
// (the sum is reduced across ranks) and returns nullopt when the job does not perturb, so a kernel
// passes its result straight into CountMeaning::cell_key.
#pragma once
#include <optional>
#include <vector>

#include "engine/kernel.hpp"
#include "jobs/cell_key.hpp"

namespace kohort {

// The cell key of the rows of `keys` (local) where take(i): summed over all ranks.
template <class Pred>
std::optional<cellkey::Key> cell_key_if(const ModelContext& ctx, const std::vector<cellkey::Key>& keys, Pred take) {
    if (!ctx.record_keys) return std::nullopt;
    return cellkey::allreduce(ctx.comm, cellkey::sum_if(keys, take));
}

// The cell key of all of `keys` (local), summed over all ranks.
inline std::optional<cellkey::Key> cell_key_of(const ModelContext& ctx, const std::vector<cellkey::Key>& keys) {
    return cell_key_if(ctx, keys, [](std::size_t) { return true; });
}

// The cell key of the whole table the model reads (all ranks).
inline std::optional<cellkey::Key> table_cell_key(const ModelContext& ctx) {
    if (!ctx.record_keys) return std::nullopt;
    return cell_key_of(ctx, *ctx.record_keys);
}

// The model's rows (a frame's record_keys) and the rows it dropped for missing values: the table's
// key minus the rows' key (modulo 2^64, so the difference is exactly the dropped rows' sum).
struct FrameCellKeys {
    std::optional<cellkey::Key> rows, dropped;
};
inline FrameCellKeys frame_cell_keys(const ModelContext& ctx, const std::vector<cellkey::Key>& frame_keys) {
    FrameCellKeys k;
    if (!ctx.record_keys) return k;
    k.rows = cell_key_of(ctx, frame_keys);
    k.dropped = *table_cell_key(ctx) - *k.rows;
    return k;
}

}  // namespace kohort
