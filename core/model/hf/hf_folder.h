#pragma once
// HfModelFolder: a Hugging Face model folder opened for reading, without torch: config.json
// plus weights in model.safetensors, or in shards listed by model.safetensors.index.json.
// Every shard is memory-mapped and validated (SafetensorsFile); the index is checked against
// the shards (each file exists, each tensor is where the index says, no tensor twice), so a
// loader can look tensors up by name without caring which shard holds them. Pickle
// checkpoints (pytorch_model.bin, *.pt, ...) are refused: unpickling runs code from the file.
// A path to a single .safetensors file opens it alone, for inspection (no config).

#include "model/hf/hf_config.h"
#include "model/safetensors.h"

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace inoculab::model::hf {

// One tensor of the folder and the shard that holds it.
struct HfTensorRef {
    const SafetensorsFile *file = nullptr;
    const TensorInfo *info = nullptr;

    explicit operator bool() const { return info != nullptr; }
    std::span<const std::uint8_t> bytes() const { return file->bytes(*info); }
};

class HfModelFolder {
public:
    // Throws InputError naming the folder or the file at fault and the reason.
    static HfModelFolder open(const std::string &path);

    const std::string &path() const { return m_path; }
    // Absent when a lone .safetensors file was opened.
    const std::optional<HfConfig> &config() const { return m_config; }
    // The config, or an InputError saying that this path has none.
    const HfConfig &requireConfig() const;
    // The weight files, as opened (full paths), in shard order.
    std::vector<std::string> weightFiles() const;

    // All tensor names, sorted (byte order).
    const std::vector<std::string> &tensorNames() const { return m_names; }
    HfTensorRef find(std::string_view name) const;

    // Elements over all tensors, and per dtype.
    std::uint64_t parameterCount() const;
    std::map<DType, std::uint64_t> elementsByDtype() const;

private:
    HfModelFolder() = default;
    void addFile(const std::string &path);
    void indexTensors(const std::map<std::string, std::string> *weightMap);

    std::string m_path;
    std::optional<HfConfig> m_config;
    std::vector<SafetensorsFile> m_files;
    // name -> (file index, tensor index within that file's tensors())
    std::map<std::string, std::pair<std::size_t, std::size_t>, std::less<>> m_index;
    std::vector<std::string> m_names;
};

}  // namespace inoculab::model::hf
