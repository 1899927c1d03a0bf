#pragma once
// Loops behind model::geluTanh (model/gelu.h), kept free of torch so that this one file can
// be compiled for vector units (see core/CMakeLists.txt) without the precompiled torch header.
//
// GPT-2's tanh-approximated GELU, y = 0.5 x (1 + tanh(u)) with u = sqrt(2/pi) (x + 0.044715 x^3),
// is evaluated as the identical y = x * sigmoid(2u): one exponential, and no 1 + tanh(u)
// cancellation for negative x (where 1 + tanh(u) in float rounds to 0 long before y does).

#include <cstdint>

namespace inoculab::model::kernels {

// y[i] = gelu(x[i]).
void geluTanh(const float *x, float *y, std::int64_t n);
// y[i] = gelu(x[i]) and slope[i] = gelu'(x[i]), in one pass: the backward pass is then one
// multiplication instead of a second evaluation of tanh.
void geluTanhWithSlope(const float *x, float *y, float *slope, std::int64_t n);

}  // namespace inoculab::model::kernels
