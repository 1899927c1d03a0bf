#pragma once
// The dtype of the steps that need more than half precision (losses, log-probabilities,
// RMSNorm's mean square): bf16/fp16 tensors are widened to float, float and double stay as
// they are. Keeping double double is what lets the engine's "A equals B" tests run in float64,
// where summation order moves results by ~1e-15 instead of float's ~1e-7.

#include <torch/types.h>

namespace inoculab::model {

inline torch::Tensor atLeastFloat(const torch::Tensor &t) {
    return t.scalar_type() == torch::kDouble || t.scalar_type() == torch::kFloat ? t : t.to(torch::kFloat);
}

}  // namespace inoculab::model
