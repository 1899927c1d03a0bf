#include "model/gelu_kernel.h"

#include "model/vector_math.h"

namespace inoculab::model::kernels {

namespace {

constexpr float kSqrt2OverPi = 0.7978845608028654f;
constexpr float kCubic = 0.044715f;

// -2u at x, clamped to the range expInRange takes: beyond it y is x * 0 or x * 1 to float
// precision anyway. A NaN x still gives NaN, through the x factor of y and of the slope.
inline float minusTwoU(float x, float x2) {
    return clampTo(-2.0f * kSqrt2OverPi * (x + kCubic * x2 * x), -87.0f, 80.0f);
}

}  // namespace

// Built for AVX-512 (x86-64-v4), AVX2 with FMA (v3) and the baseline; the loader picks the
// best this CPU runs.
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) void geluTanh(const float *x, float *y,
                                                                                            std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) {
        const float xi = x[i];
        const float e = expInRange(minusTwoU(xi, xi * xi));
        y[i] = xi * (1.0f / (1.0f + e));  // rounded as geluTanhWithSlope's y
    }
}

__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) void geluTanhWithSlope(const float *x,
                                                                                                     float *y,
                                                                                                     float *slope,
                                                                                                     std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) {
        const float xi = x[i], x2 = xi * xi;
        const float e = expInRange(minusTwoU(xi, x2));
        const float s = 1.0f / (1.0f + e);  // sigmoid(2u)
        y[i] = xi * s;
        // d/dx [x sigmoid(2u)] = s + x s (1 - s) 2 u'(x), with 1 - s = e s (no cancellation).
        slope[i] = s + xi * (s * (e * s)) * (2.0f * kSqrt2OverPi) * (1.0f + 3.0f * kCubic * x2);
    }
}

}  // namespace inoculab::model::kernels
