#include "model/hf/hf_folder.h"

#include "common/input_error.h"
#include "common/text_file.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace inoculab::model::hf {

namespace fs = std::filesystem;

namespace {

constexpr const char *kSingleFile = "model.safetensors";
constexpr const char *kIndexFile = "model.safetensors.index.json";

bool hasExtension(const fs::path &p, std::initializer_list<const char *> extensions) {
    std::string ext = p.extension().string();
    for (const char *e : extensions)
        if (ext == e) return true;
    return false;
}

// The explanation a user needs when a folder only has pickle checkpoints.
[[noreturn]] void refusePickle(const std::string &folder, const std::string &file) {
    throw common::InputError(folder, 0,
                             "only a pickle checkpoint (" + file +
                                 ") and no model.safetensors: pickle files can execute arbitrary code when loaded, so "
                                 "they are not read. Convert the model to safetensors first, e.g. in Python with "
                                 "transformers: AutoModelForCausalLM.from_pretrained(folder).save_pretrained(out, "
                                 "safe_serialization=True), or with the safetensors project's convert.py script");
}

std::map<std::string, std::string> readWeightMap(const fs::path &indexPath) {
    const std::string where = indexPath.string();
    nlohmann::json doc = nlohmann::json::parse(common::readTextFile(where), nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) throw common::InputError(where, 0, "not a JSON object");
    if (!doc.contains("weight_map") || !doc["weight_map"].is_object())
        throw common::InputError(where, 0, "weight_map: required, an object of tensor name -> file name");
    std::map<std::string, std::string> out;
    for (const auto &[name, file] : doc["weight_map"].items()) {
        if (!file.is_string())
            throw common::InputError(where, 0, "weight_map: tensor " + name + ": expected a file name");
        std::string f = file.get<std::string>();
        // Shards live beside the index: no paths, so an index cannot point elsewhere.
        if (f.empty() || f.find('/') != std::string::npos || f == "." || f == ".." ||
            !hasExtension(f, {".safetensors"}))
            throw common::InputError(
                where, 0,
                "weight_map: tensor " + name + ": \"" + f + "\" is not a .safetensors file name in this folder");
        out.emplace(name, std::move(f));
    }
    if (out.empty()) throw common::InputError(where, 0, "weight_map: empty");
    return out;
}

}  // namespace

HfModelFolder HfModelFolder::open(const std::string &path) {
    HfModelFolder folder;
    folder.m_path = path;
    std::error_code ec;
    fs::path p(path);
    if (fs::is_regular_file(p, ec)) {
        if (!hasExtension(p, {".safetensors"})) {
            if (hasExtension(p, {".bin", ".pt", ".pth", ".ckpt", ".pkl"})) refusePickle(path, p.filename().string());
            throw common::InputError(path, 0, "expected a model folder or a .safetensors file");
        }
        folder.addFile(path);
        folder.indexTensors(nullptr);
        return folder;
    }
    if (!fs::is_directory(p, ec)) throw common::InputError(path, 0, "no such model folder or file");

    if (fs::is_regular_file(p / kSingleFile, ec)) {
        folder.addFile((p / kSingleFile).string());
        folder.indexTensors(nullptr);
    } else if (fs::is_regular_file(p / kIndexFile, ec)) {
        std::map<std::string, std::string> weightMap = readWeightMap(p / kIndexFile);
        std::set<std::string> shards;
        for (const auto &entry : weightMap) shards.insert(entry.second);
        for (const std::string &shard : shards) {
            fs::path shardPath = p / shard;
            if (!fs::is_regular_file(shardPath, ec))
                throw common::InputError((p / kIndexFile).string(), 0,
                                         "shard " + shard + " (of tensor " +
                                             std::find_if(weightMap.begin(), weightMap.end(),
                                                          [&](const auto &e) { return e.second == shard; })
                                                 ->first +
                                             ") does not exist");
            folder.addFile(shardPath.string());
        }
        folder.indexTensors(&weightMap);
    } else {
        for (const auto &entry : fs::directory_iterator(p, ec))
            if (entry.is_regular_file() && hasExtension(entry.path(), {".bin", ".pt", ".pth", ".ckpt", ".pkl"}))
                refusePickle(path, entry.path().filename().string());
        throw common::InputError(path, 0, "no model.safetensors or model.safetensors.index.json in this folder");
    }

    fs::path configPath = p / "config.json";
    if (!fs::is_regular_file(configPath, ec)) throw common::InputError(configPath.string(), 0, "missing");
    folder.m_config = readHfConfig(configPath.string());
    return folder;
}

void HfModelFolder::addFile(const std::string &path) { m_files.push_back(SafetensorsFile::open(path)); }

void HfModelFolder::indexTensors(const std::map<std::string, std::string> *weightMap) {
    for (std::size_t f = 0; f < m_files.size(); ++f) {
        const SafetensorsFile &file = m_files[f];
        std::string shard = fs::path(file.name()).filename().string();
        for (std::size_t t = 0; t < file.tensors().size(); ++t) {
            const std::string &name = file.tensors()[t].name;
            auto [it, inserted] = m_index.emplace(name, std::make_pair(f, t));
            if (!inserted)
                throw common::InputError(file.name(), 0,
                                         "tensor " + name + " is also in " + m_files[it->second.first].name());
            if (weightMap) {
                auto listed = weightMap->find(name);
                if (listed == weightMap->end())
                    throw common::InputError(file.name(), 0,
                                             "tensor " + name + " is not in model.safetensors.index.json");
                if (listed->second != shard)
                    throw common::InputError(
                        file.name(), 0, "tensor " + name + " is here, but the index says it is in " + listed->second);
            }
        }
    }
    if (weightMap)
        for (const auto &[name, shard] : *weightMap)
            if (!m_index.count(name))
                throw common::InputError(m_path + "/" + shard, 0,
                                         "tensor " + name + " is missing (model.safetensors.index.json lists it here)");
    m_names.reserve(m_index.size());
    for (const auto &entry : m_index) m_names.push_back(entry.first);
}

const HfConfig &HfModelFolder::requireConfig() const {
    if (!m_config) throw common::InputError(m_path, 0, "a lone weights file has no config.json to build a model from");
    return *m_config;
}

std::vector<std::string> HfModelFolder::weightFiles() const {
    std::vector<std::string> out;
    for (const SafetensorsFile &f : m_files) out.push_back(f.name());
    return out;
}

HfTensorRef HfModelFolder::find(std::string_view name) const {
    auto it = m_index.find(name);
    if (it == m_index.end()) return {};
    const SafetensorsFile &file = m_files[it->second.first];
    return {&file, &file.tensors()[it->second.second]};
}

std::uint64_t HfModelFolder::parameterCount() const {
    std::uint64_t n = 0;
    for (const SafetensorsFile &f : m_files)
        for (const TensorInfo &t : f.tensors()) n += t.elements();
    return n;
}

std::map<DType, std::uint64_t> HfModelFolder::elementsByDtype() const {
    std::map<DType, std::uint64_t> out;
    for (const SafetensorsFile &f : m_files)
        for (const TensorInfo &t : f.tensors()) out[t.dtype] += t.elements();
    return out;
}

}  // namespace inoculab::model::hf
