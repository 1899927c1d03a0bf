#pragma once
// torch tensors in and out of safetensors files (model/safetensors.h holds the format, with
// no torch): the dtype correspondence, one tensor's bytes as a torch tensor, and a list of
// named tensors written as one file. Checkpoints, adapters, model loading and exports share
// these.

#include "model/safetensors.h"

#include <torch/torch.h>

#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace inoculab::model {

// Floating-point types only (F64, F32, F16, BF16); nullopt for the others.
std::optional<DType> safetensorsFloatDtype(torch::Dtype dtype);
std::optional<torch::Dtype> torchFloatDtype(DType dtype);

// A CPU tensor of `info`'s dtype and shape holding a copy of `bytes` (a memory mapping need
// not be aligned for the dtype). `info` must have a float dtype (std::invalid_argument).
torch::Tensor tensorFromBytes(const TensorInfo &info, std::span<const std::uint8_t> bytes);

// Writes `named` as one safetensors file (atomically, see writeSafetensors), each tensor
// converted to `dtype` when given, else kept in its own float dtype. Throws
// std::invalid_argument for a tensor that is not floating-point.
void writeTorchSafetensors(const std::string &path, const std::vector<std::pair<std::string, torch::Tensor>> &named,
                           std::optional<torch::Dtype> dtype, const std::map<std::string, std::string> &metadata);

}  // namespace inoculab::model
