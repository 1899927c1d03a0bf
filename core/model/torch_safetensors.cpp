#include "model/torch_safetensors.h"

#include <cstring>
#include <stdexcept>

namespace inoculab::model {

std::optional<DType> safetensorsFloatDtype(torch::Dtype dtype) {
    switch (dtype) {
    case torch::kDouble: return DType::F64;
    case torch::kFloat: return DType::F32;
    case torch::kHalf: return DType::F16;
    case torch::kBFloat16: return DType::BF16;
    default: return std::nullopt;
    }
}

std::optional<torch::Dtype> torchFloatDtype(DType dtype) {
    switch (dtype) {
    case DType::F64: return torch::kDouble;
    case DType::F32: return torch::kFloat;
    case DType::F16: return torch::kHalf;
    case DType::BF16: return torch::kBFloat16;
    default: return std::nullopt;
    }
}

torch::Tensor tensorFromBytes(const TensorInfo &info, std::span<const std::uint8_t> bytes) {
    std::optional<torch::Dtype> dtype = torchFloatDtype(info.dtype);
    if (!dtype) throw std::invalid_argument("tensor " + info.name + " is not floating-point");
    torch::Tensor t = torch::empty(info.shape, *dtype);
    std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
    return t;
}

void writeTorchSafetensors(const std::string &path, const std::vector<std::pair<std::string, torch::Tensor>> &named,
                           std::optional<torch::Dtype> dtype, const std::map<std::string, std::string> &metadata) {
    std::vector<torch::Tensor> keep;  // contiguous CPU copies, alive while their bytes are written
    std::vector<TensorToWrite> out;
    keep.reserve(named.size());
    for (const auto &[name, tensor] : named) {
        torch::Tensor t = tensor.detach().to(torch::kCPU);
        if (dtype) t = t.to(*dtype);
        keep.push_back(t.contiguous());
        std::optional<DType> fileDtype = safetensorsFloatDtype(keep.back().scalar_type());
        if (!fileDtype) throw std::invalid_argument("tensor " + name + " is not floating-point");
        const torch::Tensor &k = keep.back();
        out.push_back({name, *fileDtype, std::vector<std::int64_t>(k.sizes().begin(), k.sizes().end()),
                       std::span<const std::uint8_t>(static_cast<const std::uint8_t *>(k.data_ptr()), k.nbytes())});
    }
    writeSafetensors(path, out, metadata);
}

}  // namespace inoculab::model
