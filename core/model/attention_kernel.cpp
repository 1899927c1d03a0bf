#include "model/attention_kernel.h"

#include "model/vector_math.h"

#include <cblas.h>

#include <algorithm>
#include <limits>

namespace inoculab::model::kernels {

namespace {

// Reductions over 16 lanes, so that they vectorise without letting the compiler reassociate
// float sums on its own (no -ffast-math).
constexpr int kLanes = 16;

inline float maxOf(const float *x, std::int64_t n) {
    float lane[kLanes];
    std::fill(lane, lane + kLanes, -std::numeric_limits<float>::infinity());
    std::int64_t j = 0;
    for (; j + kLanes <= n; j += kLanes)
        for (int l = 0; l < kLanes; ++l) lane[l] = x[j + l] > lane[l] ? x[j + l] : lane[l];
    float m = -std::numeric_limits<float>::infinity();
    for (; j < n; ++j) m = x[j] > m ? x[j] : m;
    for (float v : lane) m = v > m ? v : m;
    return m;
}

inline float sumOf(const float *x, std::int64_t n) {
    float lane[kLanes] = {};
    std::int64_t j = 0;
    for (; j + kLanes <= n; j += kLanes)
        for (int l = 0; l < kLanes; ++l) lane[l] += x[j + l];
    float s = 0;
    for (; j < n; ++j) s += x[j];
    for (float v : lane) s += v;
    return s;
}

inline float dotOf(const float *x, const float *y, std::int64_t n) {
    float lane[kLanes] = {};
    std::int64_t j = 0;
    for (; j + kLanes <= n; j += kLanes)
        for (int l = 0; l < kLanes; ++l) lane[l] += x[j + l] * y[j + l];
    float s = 0;
    for (; j < n; ++j) s += x[j] * y[j];
    for (float v : lane) s += v;
    return s;
}

// Row i of the scores, held in s[0, width): softmax over the keys [0, count) it may see,
// zeros over the masked rest of the block. A NaN or infinite score makes the row NaN, as
// PyTorch's softmax would, instead of vanishing in the clamp below.
inline void causalSoftmaxRow(float *s, std::int64_t count, std::int64_t width) {
    const float m = maxOf(s, count);
    if (!std::isfinite(m) || !std::isfinite(sumOf(s, count))) {
        std::fill(s, s + count, std::numeric_limits<float>::quiet_NaN());
    } else {
        // exp(s - m) <= 1; below e^-87 a weight is 0 to float precision next to the maximum's 1.
        for (std::int64_t j = 0; j < count; ++j) s[j] = expInRange(clampTo(s[j] - m, -87.0f, 0.0f));
        const float inverse = 1.0f / sumOf(s, count);
        for (std::int64_t j = 0; j < count; ++j) s[j] *= inverse;
    }
    std::fill(s + count, s + width, 0.0f);
}

// dP -> dS in place for one row: dS_j = P_j (dP_j - sum_k P_k dP_k). Masked keys have P = 0.
inline void softmaxBackwardRow(const float *p, float *g, std::int64_t width) {
    const float dot = dotOf(p, g, width);
    for (std::int64_t j = 0; j < width; ++j) g[j] = p[j] * (g[j] - dot);
}

}  // namespace

// Built for AVX-512 (x86-64-v4), AVX2 with FMA (v3) and the baseline; the loader picks the
// best this CPU runs. BLAS picks its own kernels.
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) void causalAttentionForward(
    const HeadInputs &in, float *probs, float *y, std::int64_t ldOut) {
    const std::int64_t t = in.t, d = in.d;
    for (std::int64_t r0 = 0; r0 < t; r0 += kRowBlock) {
        const std::int64_t r1 = std::min(t, r0 + kRowBlock), rows = r1 - r0;
        float *block = probs + r0 * t;
        // S[r0:r1, 0:r1] = scale Q[r0:r1] K[0:r1]^T
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, r1, d, in.scale, in.q + r0 * in.ld, in.ld, in.k,
                    in.ld, 0.0f, block, t);
        for (std::int64_t i = r0; i < r1; ++i) causalSoftmaxRow(probs + i * t, i + 1, r1);
        // Y[r0:r1] = P[r0:r1, 0:r1] V[0:r1]
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, d, r1, 1.0f, block, t, in.v, in.ld, 0.0f,
                    y + r0 * ldOut, ldOut);
    }
}

__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) void causalAttentionBackward(
    const HeadInputs &in, const float *probs, const float *dy, std::int64_t ldOut, float *scratch, float *dq, float *dk,
    float *dv) {
    const std::int64_t t = in.t, d = in.d;
    if (t == 0) return;
    // Last block first: it sees every key, so its dK and dV products set them (beta 0) and the
    // earlier blocks, which see fewer keys, add to them.
    const std::int64_t lastStart = ((t - 1) / kRowBlock) * kRowBlock;
    for (std::int64_t r0 = lastStart; r0 >= 0; r0 -= kRowBlock) {
        const std::int64_t r1 = std::min(t, r0 + kRowBlock), rows = r1 - r0;
        const float beta = r1 == t ? 0.0f : 1.0f;
        const float *p = probs + r0 * t, *dyRows = dy + r0 * ldOut;
        float *ds = scratch + r0 * t;
        // dP[r0:r1, 0:r1] = dY[r0:r1] V[0:r1]^T
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, r1, d, 1.0f, dyRows, ldOut, in.v, in.ld, 0.0f, ds,
                    t);
        // dV[0:r1] (+)= P[r0:r1, 0:r1]^T dY[r0:r1]
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, r1, d, rows, 1.0f, p, t, dyRows, ldOut, beta, dv, in.ld);
        for (std::int64_t i = 0; i < rows; ++i) softmaxBackwardRow(p + i * t, ds + i * t, r1);
        // dQ[r0:r1] = scale dS[r0:r1, 0:r1] K[0:r1]
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, d, r1, in.scale, ds, t, in.k, in.ld, 0.0f,
                    dq + r0 * in.ld, in.ld);
        // dK[0:r1] (+)= scale dS[r0:r1, 0:r1]^T Q[r0:r1]
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, r1, d, rows, in.scale, ds, t, in.q + r0 * in.ld, in.ld,
                    beta, dk, in.ld);
    }
}

}  // namespace inoculab::model::kernels
