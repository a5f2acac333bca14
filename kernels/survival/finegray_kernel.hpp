// kind = finegray (finegray_kernel.cpp): the registered runner, exposed so tests can drive it with
// in-memory tables.
#pragma once
#include "kernels/kernel.hpp"

namespace kohort::survival {

ModelOutput finegray_model(const ModelContext& ctx);

}  // namespace kohort::survival
