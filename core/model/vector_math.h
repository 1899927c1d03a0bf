#pragma once
// Float math written in plain arithmetic, for loops the compiler vectorises (the kernels of
// gelu_kernel.cpp and attention_kernel.cpp): a call to std::exp would keep a loop scalar.

#include <bit>
#include <cmath>
#include <cstdint>

namespace inoculab::model::kernels {

// exp(v) for v in [-87, 80] (normal floats in and out): v = n ln2 + r with |r| <= ln2 / 2 (ln2
// split in two so that n ln2 is exact), exp(r) by its Taylor series to r^7 (relative error
// below 1e-8 on that interval, under float's 6e-8), 2^n put into the exponent bits.
inline float expInRange(float v) {
    constexpr float log2e = 1.44269504088896341f;
    constexpr float ln2High = 0.693145751953125f;  // 16 significant bits: n * ln2High is exact
    constexpr float ln2Low = 1.428606765330187045e-06f;
    const float n = std::nearbyint(v * log2e);
    const float r = (v - n * ln2High) - n * ln2Low;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    return p * std::bit_cast<float>((static_cast<std::int32_t>(n) + 127) << 23);
}

// v clamped to [lowest, highest]; NaN comes out as `highest`.
inline float clampTo(float v, float lowest, float highest) {
    v = v < highest ? v : highest;
    return v > lowest ? v : lowest;
}

}  // namespace inoculab::model::kernels
