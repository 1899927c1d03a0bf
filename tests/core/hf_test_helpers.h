#pragma once
// Helpers of the Hugging Face model suites: the InputError a call throws (input_error_of.h),
// and editing a tiny checkpoint's weights file to make it wrong in one way.
#include "input_error_of.h"

#include "common/input_error.h"
#include "model/safetensors.h"

#include <QString>

#include <functional>
#include <string>
#include <vector>

namespace inoculab::test {

// Rewrites a safetensors file after `edit` changed its list of tensors (the originals' bytes
// stay mapped while the new file is written).
inline void rewriteWeights(const std::string &path,
                           const std::function<void(std::vector<model::TensorToWrite> &)> &edit) {
    model::SafetensorsFile file = model::SafetensorsFile::open(path);
    std::vector<model::TensorToWrite> tensors;
    for (const model::TensorInfo &info : file.tensors())
        tensors.push_back({info.name, info.dtype, info.shape, file.bytes(info)});
    edit(tensors);
    model::writeSafetensors(path, tensors, file.metadata());
}

inline void removeTensor(std::vector<model::TensorToWrite> &tensors, const std::string &name) {
    std::erase_if(tensors, [&](const model::TensorToWrite &t) { return t.name == name; });
}

}  // namespace inoculab::test
