// Synthetic person keys: pid(i) is a keyed bijection of the person index i on [0, 2^63).
//
// Real kohort pids are 63-bit keyed hashes (HMAC of the CPR number), so their top bits are uniform
// and the store partitions on them (store.hpp). The synthetic pid imitates that while staying
// collision-free: each step below is invertible on 63-bit values, so distinct i give distinct
// pids. Steps: adding a key modulo 2^63; x ^= x >> k (the top k bits pass unchanged, the rest can
// be recovered top-down); multiplying by an odd constant modulo 2^63. Constants are SplitMix64's.
#pragma once
#include <cstdint>

#include "synth/rng.hpp"

namespace kohort::synth {

inline constexpr std::uint64_t kMask63 = (std::uint64_t{1} << 63) - 1;

inline std::int64_t synthetic_pid(std::uint64_t seed, std::uint64_t i) {
    const std::uint64_t k1 = mix64(seed ^ 0x5eed0001ULL), k2 = mix64(seed ^ 0x5eed0002ULL);
    std::uint64_t x = (i + k1) & kMask63;
    for (int round = 0; round < 2; ++round) {
        x ^= x >> 31;
        x = (x * 0xbf58476d1ce4e5b9ULL) & kMask63;
        x ^= x >> 29;
        x = (x * 0x94d049bb133111ebULL) & kMask63;
        x ^= x >> 32;
        x = (x + k2) & kMask63;
    }
    return static_cast<std::int64_t>(x);
}

}  // namespace kohort::synth
