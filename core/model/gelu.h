#pragma once
// geluTanh: GPT-2's tanh-approximated GELU, torch::gelu(x, "tanh") to float precision.
// On the CPU in float32 it runs the loops of model/gelu_kernel.h: when a gradient is wanted,
// one pass computes the output and its slope, and backward multiplies by that slope, where
// PyTorch's backward evaluates tanh a second time (bench/train_throughput: docs/benchmarks.md).
// Other devices and dtypes (bf16 on CUDA) call torch::gelu.

#include <torch/torch.h>

namespace inoculab::model {

torch::Tensor geluTanh(const torch::Tensor &x);

}  // namespace inoculab::model
