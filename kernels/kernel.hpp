// The kernel interface lives in the engine layer (src/engine/kernel.hpp); this header keeps the
// include path kernels have always used.
#pragma once
#include "engine/kernel.hpp"
