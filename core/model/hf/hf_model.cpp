#include "model/hf/hf_model.h"

#include "common/input_error.h"
#include "model/adaptable_linear.h"
#include "model/hf/common_blocks.h"
#include "model/hf/registry.h"
#include "model/torch_safetensors.h"

#include <cstring>
#include <map>
#include <set>
#include <sstream>

namespace inoculab::model::hf {

namespace {

std::string shapeText(c10::IntArrayRef shape) {
    std::ostringstream s;
    s << shape;
    return s.str();
}

// "a, b, c" or "a, b, c and 7 more": error messages stay readable for large models.
std::string nameList(const std::vector<std::string> &names) {
    constexpr std::size_t kShown = 8;
    std::string out;
    for (std::size_t i = 0; i < names.size() && i < kShown; ++i) out += (i ? ", " : "") + names[i];
    if (names.size() > kShown) out += " and " + std::to_string(names.size() - kShown) + " more";
    return out;
}

torch::Tensor readTensor(const HfModelFolder &folder, const std::string &name) {
    HfTensorRef ref = folder.find(name);
    const DType dtype = ref.info->dtype;
    if (dtype != DType::F32 && dtype != DType::F16 && dtype != DType::BF16)
        throw common::InputError(ref.file->name(), 0,
                                 "tensor " + name + ": dtype " + std::string(dtypeName(dtype)) +
                                     " is not a floating-point weight (F32, F16 or BF16)");
    return tensorFromBytes(*ref.info, ref.bytes());
}

// Makes torch create floating tensors in `dtype` while it lives, so that a model is built
// directly in the dtype it is loaded in: building an 8B-parameter model in fp32 first would
// take 32 GB before the conversion. The default is process-wide; it is restored at once.
class DefaultDtypeScope {
public:
    explicit DefaultDtypeScope(torch::Dtype dtype) : m_saved(torch::get_default_dtype()) {
        torch::set_default_dtype(c10::scalarTypeToTypeMeta(dtype));
    }
    ~DefaultDtypeScope() { torch::set_default_dtype(m_saved); }
    DefaultDtypeScope(const DefaultDtypeScope &) = delete;
    DefaultDtypeScope &operator=(const DefaultDtypeScope &) = delete;

private:
    caffe2::TypeMeta m_saved;
};

}  // namespace

CausalLm buildHfModel(const HfConfig &config) {
    CausalLm model = hfArchitecture(config.family).build(config);
    initLikeHf(*model, 0.02);
    return model;
}

CausalLm loadHfModel(const HfModelFolder &folder, torch::Dtype dtype) {
    const HfConfig &config = folder.requireConfig();
    const HfArchitecture &arch = hfArchitecture(config.family);
    if (!c10::isFloatingType(dtype)) throw std::invalid_argument("loadHfModel: dtype must be a floating-point type");
    CausalLm model;
    {
        DefaultDtypeScope scope(dtype);
        model = arch.build(config);
    }
    model->to(dtype);  // a no-op unless some module ignored the default dtype
    torch::NoGradGuard noGrad;

    std::map<std::string, torch::Tensor> params;
    for (const auto &p : model->named_parameters()) params.emplace(p.key(), p.value());

    std::map<std::string, std::string> loadedFrom;  // parameter -> disk name
    std::vector<std::string> unexpected;
    std::string tiedHead;
    for (const std::string &name : folder.tensorNames()) {
        std::string parameter = arch.parameterName(name);
        if (parameter.empty()) continue;
        auto it = params.find(parameter);
        if (it == params.end()) {
            if (config.tieWordEmbeddings && parameter == "lm_head.weight")
                tiedHead = name;
            else
                unexpected.push_back(name);
            continue;
        }
        if (auto seen = loadedFrom.find(parameter); seen != loadedFrom.end())
            throw common::InputError(folder.path(), 0,
                                     "tensors " + seen->second + " and " + name + " are both " + parameter);
        torch::Tensor t = readTensor(folder, name);
        torch::Tensor expected = arch.toDisk(parameter, it->second);
        if (t.sizes() != expected.sizes())
            throw common::InputError(folder.path(), 0,
                                     "tensor " + name + ": shape " + shapeText(t.sizes()) + " on disk, the " +
                                         config.family + " config needs " + shapeText(expected.sizes()));
        it->second.copy_(arch.fromDisk(parameter, t));
        loadedFrom.emplace(parameter, name);
    }
    std::vector<std::string> missing;
    for (const auto &[parameter, tensor] : params)
        if (!loadedFrom.count(parameter)) missing.push_back(arch.diskName(parameter));
    if (!missing.empty())
        throw common::InputError(folder.path(), 0,
                                 "missing tensors (" + std::to_string(missing.size()) + "): " + nameList(missing));
    if (!unexpected.empty())
        throw common::InputError(folder.path(), 0,
                                 "unexpected tensors for a " + config.family + " model (" +
                                     std::to_string(unexpected.size()) + "): " + nameList(unexpected));
    // With tied embeddings some files still store the output layer; it must be the embedding.
    if (!tiedHead.empty()) {
        torch::Tensor head = readTensor(folder, tiedHead).to(dtype);
        const torch::Tensor &embedding = params.at(arch.embeddingParameter);
        if (head.sizes() != embedding.sizes() || !torch::equal(head, embedding))
            throw common::InputError(folder.path(), 0,
                                     "tensor " + tiedHead +
                                         " differs from the token embedding, but config.json says "
                                         "tie_word_embeddings");
    }
    return model;
}

std::vector<std::pair<std::string, torch::Tensor>> hfStateDict(const CausalLmImpl &model) {
    const auto *hf = dynamic_cast<const HfCausalLmImpl *>(&model);
    if (!hf) throw std::invalid_argument("hfStateDict: not a Hugging Face model");
    const HfArchitecture &arch = hfArchitecture(hf->config().family);
    torch::NoGradGuard noGrad;

    // Adapted projections export W + scale * B A; the adapters themselves are not exported.
    std::map<std::string, torch::Tensor> merged;
    for (const auto &m : model.named_modules()) {
        auto *linear = m.value()->as<AdaptableLinearImpl>();
        if (!linear || !linear->hasLora()) continue;
        // In fp32 at least and rounded once into W's dtype, as AdaptableLinear::mergeLora does.
        const torch::Tensor &w = linear->weight();
        torch::Dtype wide = w.scalar_type() == torch::kDouble ? torch::kDouble : torch::kFloat;
        torch::Tensor delta =
            torch::matmul(linear->loraB().to(wide), linear->loraA().to(wide)) * linear->lora()->scale();
        merged.emplace(m.key() + ".weight", (w.to(wide) + delta).to(w.scalar_type()));
    }
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto &p : model.named_parameters()) {
        const std::string &name = p.key();
        if (name.find("lora_A.") != std::string::npos || name.find("lora_B.") != std::string::npos) continue;
        auto m = merged.find(name);
        torch::Tensor t = m != merged.end() ? m->second : p.value().detach();
        out.emplace_back(arch.diskName(name), arch.toDisk(name, t).contiguous());
    }
    return out;
}

}  // namespace inoculab::model::hf
