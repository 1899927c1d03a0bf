// LoRA adapters and activation checkpointing on a toy model whose module paths are those of a
// Hugging Face Llama ("model.layers.0.self_attn.q_proj", ...): enabling adapters changes
// nothing until they train, only the adapters train, a saved adapter is PEFT's layout and
// loads back bitwise, merging keeps the function, hostile adapter folders are refused with
// the file and field named and the model untouched; checkpointed blocks give the gradients
// of plain ones (also when only parameters inside need them, and with dropout).
//
// What is exact in mathematics (the rsLoRA forward, merging, checkpointed gradients) runs in
// float64, where summation order moves results by ~1e-16 relative: kFloat64Bound is far from
// that and far below any real error.
#include "reduction_order.h"
#include "test_support.h"
#include "input_error_of.h"

#include "common/input_error.h"
#include "model/activation_checkpoint.h"
#include "model/adaptable_linear.h"
#include "model/lora_adapters.h"
#include "model/safetensors.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

using inoculab::test::inputErrorOf;
using namespace inoculab;
using model::AdaptableLinear;

namespace {

constexpr std::int64_t kVocab = 40, kDim = 16, kHidden = 24, kLayers = 2;

// model.layers.N.{self_attn.{q,k,v,o}_proj, mlp.{up,down}_proj, input_layernorm}: the names
// a Llama state dict has. The "attention" is a gated mix, enough to route through every
// projection; what matters here is the module tree, not the architecture.
struct AttentionImpl : torch::nn::Module {
    AdaptableLinear q_proj{kDim, kDim, false}, k_proj{kDim, kDim, false}, v_proj{kDim, kDim, false},
        o_proj{kDim, kDim, false};
    AttentionImpl() {
        register_module("q_proj", q_proj);
        register_module("k_proj", k_proj);
        register_module("v_proj", v_proj);
        register_module("o_proj", o_proj);
    }
    torch::Tensor forward(const torch::Tensor &x) { return o_proj(torch::tanh(q_proj(x) * k_proj(x)) * v_proj(x)); }
};
TORCH_MODULE(Attention);

struct MlpImpl : torch::nn::Module {
    AdaptableLinear up_proj{kDim, kHidden, true}, down_proj{kHidden, kDim, true};
    MlpImpl() {
        register_module("up_proj", up_proj);
        register_module("down_proj", down_proj);
    }
    torch::Tensor forward(const torch::Tensor &x) { return down_proj(torch::gelu(up_proj(x))); }
};
TORCH_MODULE(Mlp);

struct LayerImpl : torch::nn::Module {
    torch::nn::LayerNorm input_layernorm{torch::nn::LayerNormOptions({kDim})};
    Attention self_attn;
    Mlp mlp;
    double dropout;
    explicit LayerImpl(double dropout) : dropout(dropout) {
        register_module("input_layernorm", input_layernorm);
        register_module("self_attn", self_attn);
        register_module("mlp", mlp);
    }
    torch::Tensor forward(const torch::Tensor &x) {
        torch::Tensor h = x + self_attn(input_layernorm(x));
        return h + torch::dropout(mlp(h), dropout, is_training());
    }
};
TORCH_MODULE(Layer);

struct InnerImpl : torch::nn::Module {
    torch::nn::Embedding embed_tokens{kVocab, kDim};
    torch::nn::ModuleList layers;
    torch::nn::LayerNorm norm{torch::nn::LayerNormOptions({kDim})};
    explicit InnerImpl(double dropout) {
        register_module("embed_tokens", embed_tokens);
        for (std::int64_t i = 0; i < kLayers; ++i) layers->push_back(Layer(dropout));
        register_module("layers", layers);
        register_module("norm", norm);
    }
};
TORCH_MODULE(Inner);

struct ToyLmImpl : torch::nn::Module {
    Inner model;
    AdaptableLinear lm_head{kDim, kVocab, false};
    bool checkpointLayers = false;
    explicit ToyLmImpl(double dropout = 0) : model(dropout) {
        register_module("model", model);
        register_module("lm_head", lm_head);
    }
    // ids [B, T] -> logits [B, T, V]
    torch::Tensor forward(const torch::Tensor &ids) {
        torch::Tensor h = model->embed_tokens(ids);
        for (const auto &layer : *model->layers) {
            auto block = [&layer](const torch::Tensor &x) { return layer->as<LayerImpl>()->forward(x); };
            h = checkpointLayers ? model::checkpointed(block, h) : block(h);
        }
        return lm_head(model->norm(h));
    }
};
TORCH_MODULE(ToyLm);

ToyLm freshModel(std::uint64_t seed, double dropout = 0) {
    torch::manual_seed(seed);
    return ToyLm(dropout);
}

// The same initial weights as freshModel(seed, dropout), in float64.
ToyLm freshModel64(std::uint64_t seed, double dropout = 0) {
    ToyLm lm = freshModel(seed, dropout);
    lm->to(torch::kDouble);
    return lm;
}

constexpr double kFloat64Bound = 1e-10;

torch::Tensor toyIds() {
    torch::manual_seed(99);
    return torch::randint(0, kVocab, {3, 7}, torch::kLong);
}

torch::Tensor toyTarget() {
    torch::manual_seed(98);
    return torch::randn({3, 7, kVocab});
}

model::LoraConfig qvConfig(std::int64_t rank = 4) {
    model::LoraConfig c;
    c.options.rank = rank;
    c.options.alpha = 8;
    c.targetModules = {"q_proj", "v_proj"};
    return c;
}

using Named = std::map<std::string, torch::Tensor>;

Named snapshot(torch::nn::Module &m) {
    Named out;
    for (const auto &p : m.named_parameters()) out.emplace(p.key(), p.value().detach().clone());
    return out;
}

std::set<std::string> trainableNames(torch::nn::Module &m) {
    std::set<std::string> out;
    for (const auto &p : m.named_parameters())
        if (p.value().requires_grad()) out.insert(p.key());
    return out;
}

std::set<std::string> adapterNames(const std::vector<std::string> &targets) {
    std::set<std::string> out;
    for (std::int64_t i = 0; i < kLayers; ++i)
        for (const std::string &t : targets)
            for (const char *ab : {"lora_A", "lora_B"})
                out.insert("model.layers." + std::to_string(i) + ".self_attn." + t + "." + ab + ".weight");
    return out;
}

bool bitwiseEqual(const torch::Tensor &a, const torch::Tensor &b) {
    return a.sizes() == b.sizes() && a.scalar_type() == b.scalar_type() && torch::equal(a, b);
}

double maxDiff(const torch::Tensor &a, const torch::Tensor &b) { return (a - b).abs().max().item<double>(); }

// A few AdamW steps of mean squared error towards toyTarget(); the losses.
std::vector<double> train(ToyLm &lm, int steps) {
    std::vector<torch::Tensor> trainable;
    for (const auto &p : lm->parameters())
        if (p.requires_grad()) trainable.push_back(p);
    torch::optim::AdamW opt(trainable, torch::optim::AdamWOptions(1e-2));
    std::vector<double> losses;
    torch::Tensor ids = toyIds(), target = toyTarget().to(lm->lm_head->weight().scalar_type());
    for (int i = 0; i < steps; ++i) {
        opt.zero_grad();
        torch::Tensor loss = torch::mse_loss(lm->forward(ids), target);
        loss.backward();
        opt.step();
        losses.push_back(loss.item<double>());
    }
    return losses;
}

torch::Tensor evalOutput(ToyLm &lm) {
    torch::NoGradGuard noGrad;
    lm->eval();
    torch::Tensor out = lm->forward(toyIds());
    lm->train();
    return out;
}

nlohmann::json readJson(const std::string &path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

void writeText(const std::string &path, const std::string &text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

// Rewrites an adapter file with `edit` applied to its tensors (CPU fp32 copies).
void rewriteWeights(const std::string &path, const std::function<void(std::map<std::string, torch::Tensor> &)> &edit) {
    std::map<std::string, torch::Tensor> tensors;
    {
        model::SafetensorsFile file = model::SafetensorsFile::open(path);
        for (const model::TensorInfo &info : file.tensors()) {
            torch::Tensor t = torch::empty(info.shape, torch::kFloat);
            std::memcpy(t.data_ptr(), file.bytes(info).data(), file.bytes(info).size());
            tensors.emplace(info.name, t);
        }
    }
    edit(tensors);
    std::vector<model::TensorToWrite> out;
    for (const auto &[name, t] : tensors)
        out.push_back({name, model::DType::F32, std::vector<std::int64_t>(t.sizes().begin(), t.sizes().end()),
                       std::span<const std::uint8_t>(static_cast<const std::uint8_t *>(t.data_ptr()), t.nbytes())});
    model::writeSafetensors(path, out);
}

// Copies `from` (a saved adapter folder) to `to`, so that each hostile case edits its own.
std::string copyAdapter(const std::string &from, const std::string &to) {
    std::filesystem::remove_all(to);
    std::filesystem::copy(from, to, std::filesystem::copy_options::recursive);
    return to;
}

bool hasAnyAdapter(ToyLm &lm) {
    for (const auto &[path, m] : model::adaptableModules(*lm))
        if (m->hasLora()) return true;
    return false;
}

}  // namespace

class TestLora : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    std::string path(const char *name) const { return m_dir.filePath(QLatin1String(name)).toStdString(); }

    // A trained adapter saved once, for the round trip and the hostile cases.
    std::string savedAdapter() {
        std::string dir = path("saved");
        if (std::filesystem::exists(dir)) return dir;
        ToyLm lm = freshModel(1);
        model::enableLora(*lm, qvConfig());
        train(lm, 5);
        model::saveLoraAdapter(dir, *lm, qvConfig(), "meta-llama/Toy-1B");
        return dir;
    }

private Q_SLOTS:
    void initTestCase() {
        test::useTestTorchThreads();
        QVERIFY(m_dir.isValid());
    }

    // ---- enabling ---------------------------------------------------------------------------

    void pathsFollowTheStateDictNames() {
        ToyLm lm = freshModel(1);
        std::vector<std::string> paths;
        for (const auto &[p, m] : model::adaptableModules(*lm)) paths.push_back(p);
        QCOMPARE(paths.size(), std::size_t(kLayers * 6 + 1));
        QCOMPARE(paths.front(), std::string("model.layers.0.self_attn.q_proj"));
        QCOMPARE(paths.back(), std::string("lm_head"));
        QVERIFY(model::matchesTarget("model.layers.0.self_attn.q_proj", "q_proj"));
        QVERIFY(model::matchesTarget("model.layers.0.self_attn.q_proj", "self_attn.q_proj"));
        QVERIFY(model::matchesTarget("lm_head", "lm_head"));
        QVERIFY(!model::matchesTarget("model.layers.0.self_attn.xq_proj", "q_proj"));
        QVERIFY(!model::matchesTarget("model.layers.0.self_attn.q_proj", "proj"));
    }

    void enablingChangesNothingUntilTrained() {
        ToyLm lm = freshModel(1);
        torch::Tensor before = evalOutput(lm);
        std::vector<std::string> adapted = model::enableLora(*lm, qvConfig());
        QCOMPARE(adapted,
                 (std::vector<std::string>{"model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj",
                                           "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj"}));
        QVERIFY(bitwiseEqual(evalOutput(lm), before));  // B = 0
        auto q = lm->model->layers[0]->as<LayerImpl>()->self_attn->q_proj;
        QCOMPARE(q->loraA().sizes(), (c10::IntArrayRef{4, kDim}));
        QCOMPARE(q->loraB().sizes(), (c10::IntArrayRef{kDim, 4}));
        QCOMPARE(q->loraB().abs().max().item<double>(), 0.0);
        QVERIFY(q->loraA().abs().max().item<double>() > 0);
        // PEFT's A: kaiming_uniform_(a = sqrt(5)) on [r, in] -> bound 1 / sqrt(in).
        // + 1e-7: a float draw a + (b - a) u may round up past b by an ulp (1.5e-8 at 0.25).
        QVERIFY(q->loraA().abs().max().item<double>() <= 1.0 / std::sqrt(double(kDim)) + 1e-7);
    }

    void onlyAdaptersRequireGrad() {
        ToyLm lm = freshModel(1);
        model::enableLora(*lm, qvConfig());
        QCOMPARE(trainableNames(*lm), adapterNames({"q_proj", "v_proj"}));
    }

    void trainingChangesOnlyAdapters() {
        ToyLm lm = freshModel(2);
        model::enableLora(*lm, qvConfig());
        Named before = snapshot(*lm);
        std::vector<double> losses = train(lm, 30);
        QVERIFY2(losses.back() < losses.front() * 0.98,
                 qPrintable(QStringLiteral("%1 -> %2").arg(losses.front()).arg(losses.back())));
        Named after = snapshot(*lm);
        std::set<std::string> adapters = adapterNames({"q_proj", "v_proj"});
        QCOMPARE(after.size(), before.size());
        for (const auto &[name, t] : after) {
            bool same = bitwiseEqual(t, before.at(name));
            if (adapters.count(name))
                QVERIFY2(!same, name.c_str());
            else
                QVERIFY2(same, name.c_str());
        }
    }

    void rsloraScale() {
        QCOMPARE(model::LoraOptions({4, 8, 0, false}).scale(), 2.0);
        QCOMPARE(model::LoraOptions({4, 8, 0, true}).scale(), 4.0);
        QCOMPARE(model::LoraOptions({16, 8, 0, true}).scale(), 2.0);
        // The forward applies it: y = x W^T + s x A^T B^T.
        torch::manual_seed(3);
        AdaptableLinear lin(5, 3, true);
        lin->to(torch::kDouble);
        lin->enableLora({4, 8, 0, true});
        {
            torch::NoGradGuard noGrad;
            lin->loraB().normal_();
        }
        torch::Tensor x = torch::randn({2, 5}, torch::kDouble);
        torch::Tensor expected = torch::matmul(x, lin->weight().t()) + lin->bias() +
                                 4.0 * torch::matmul(torch::matmul(x, lin->loraA().t()), lin->loraB().t());
        QVERIFY(maxDiff(lin->forward(x), expected) < kFloat64Bound);
    }

    void dropoutOnlyInTraining() {
        torch::manual_seed(4);
        AdaptableLinear lin(8, 8, false);
        lin->enableLora({4, 8, 0.5, false});
        {
            torch::NoGradGuard noGrad;
            lin->loraB().normal_();
        }
        torch::Tensor x = torch::randn({4, 8});
        lin->eval();
        torch::Tensor a = lin->forward(x), b = lin->forward(x);
        QVERIFY(bitwiseEqual(a, b));
        lin->train();
        QVERIFY(!bitwiseEqual(lin->forward(x), a));
    }

    void halfPrecisionBaseGetsFloatAdapters() {
        torch::manual_seed(5);
        AdaptableLinear lin(8, 6, true);
        lin->to(torch::kBFloat16);
        lin->enableLora({4, 8, 0, false});
        QCOMPARE(lin->loraA().scalar_type(), torch::kFloat);
        QCOMPARE(lin->loraB().scalar_type(), torch::kFloat);
        QVERIFY(lin->loraA().requires_grad());
        {
            torch::NoGradGuard noGrad;
            lin->loraB().normal_(0, 0.1);
        }
        torch::Tensor x = torch::randn({3, 8}).to(torch::kBFloat16);
        torch::Tensor y = lin->forward(x);
        QCOMPARE(y.scalar_type(), torch::kBFloat16);
        y.sum().backward();  // gradients reach the fp32 adapters through the casts
        QVERIFY(lin->loraB().grad().defined() && lin->loraB().grad().abs().max().item<double>() > 0);
        // Merged in fp32 and rounded once: within bf16 rounding of the unmerged output.
        torch::Tensor exact =
            torch::matmul(x.to(torch::kFloat), lin->weight().to(torch::kFloat).t()) + lin->bias().to(torch::kFloat) +
            2.0 * torch::matmul(torch::matmul(x.to(torch::kFloat), lin->loraA().t()), lin->loraB().t());
        lin->mergeLora();
        QCOMPARE(lin->weight().scalar_type(), torch::kBFloat16);
        torch::NoGradGuard noGrad;
        torch::Tensor merged = lin->forward(x).to(torch::kFloat);
        QVERIFY2(maxDiff(merged, exact) < 0.05 * exact.abs().max().item<double>(),
                 qPrintable(QString::number(maxDiff(merged, exact))));
    }

    void enableErrorsNameTheField() {
        ToyLm lm = freshModel(1);
        model::LoraConfig c = qvConfig();
        c.targetModules = {"q_proj", "gate_proj"};
        std::string file;
        QString e = inputErrorOf([&] { model::enableLora(*lm, c, "spec.json"); }, &file);
        QCOMPARE(file, std::string("spec.json"));
        QVERIFY2(e.contains(QLatin1String("lora.target_modules")) && e.contains(QLatin1String("\"gate_proj\"")) &&
                     e.contains(QLatin1String("q_proj, k_proj, v_proj, o_proj, up_proj, down_proj, lm_head")),
                 qPrintable(e));
        QVERIFY(!hasAnyAdapter(lm));                                 // nothing was enabled
        QCOMPARE(trainableNames(*lm).size(), snapshot(*lm).size());  // nothing was frozen
        c.targetModules = {"self_attn"};
        e = inputErrorOf([&] { model::enableLora(*lm, c); });
        QVERIFY2(e.contains(QLatin1String("names no projection")), qPrintable(e));
        c = qvConfig(0);
        e = inputErrorOf([&] { model::enableLora(*lm, c); });
        QVERIFY2(e.startsWith(QLatin1String("lora.r:")), qPrintable(e));
        c = qvConfig();
        c.options.dropout = 1;
        QVERIFY(inputErrorOf([&] { model::enableLora(*lm, c); }).startsWith(QLatin1String("lora.lora_dropout:")));
        model::enableLora(*lm, qvConfig());
        e = inputErrorOf([&] { model::enableLora(*lm, qvConfig()); });
        QVERIFY2(e.contains(QLatin1String("already has an adapter")), qPrintable(e));
    }

    // ---- PEFT files ------------------------------------------------------------------------

    void savedAdapterIsPeftLayout() {
        std::string dir = savedAdapter();
        QCOMPARE(test::filesIn(m_dir).size(), qsizetype(0));
        QVERIFY(!std::filesystem::exists(dir + ".partial") && !std::filesystem::exists(dir + ".old"));
        std::set<std::string> files;
        for (const auto &e : std::filesystem::directory_iterator(dir)) files.insert(e.path().filename().string());
        QCOMPARE(files, (std::set<std::string>{"adapter_config.json", "adapter_model.safetensors"}));

        nlohmann::json expected = {{"peft_type", "LORA"},
                                   {"task_type", "CAUSAL_LM"},
                                   {"r", 4},
                                   {"lora_alpha", 8},
                                   {"lora_dropout", 0.0},
                                   {"target_modules", {"q_proj", "v_proj"}},
                                   {"use_rslora", false},
                                   {"bias", "none"},
                                   {"fan_in_fan_out", false},
                                   {"base_model_name_or_path", "meta-llama/Toy-1B"},
                                   {"inference_mode", true},
                                   {"init_lora_weights", true},
                                   {"modules_to_save", nullptr},
                                   {"revision", nullptr}};
        nlohmann::json written = readJson(dir + "/adapter_config.json");
        QVERIFY2(written == expected, written.dump().c_str());
        QVERIFY(written["r"].is_number_integer() && written["lora_alpha"].is_number_integer());

        model::SafetensorsFile file = model::SafetensorsFile::open(dir + "/adapter_model.safetensors");
        std::set<std::string> keys;
        for (const model::TensorInfo &info : file.tensors()) {
            keys.insert(info.name);
            QCOMPARE(info.dtype, model::DType::F32);
        }
        std::set<std::string> expectedKeys;
        for (const std::string &name : adapterNames({"q_proj", "v_proj"}))
            expectedKeys.insert("base_model.model." + name);
        QCOMPARE(keys, expectedKeys);
        QCOMPARE(*keys.begin(), std::string("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"));
        QCOMPARE(file.find("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight")->shape,
                 (std::vector<std::int64_t>{kDim, 4}));
        QCOMPARE(file.metadata(), (std::map<std::string, std::string>{{"format", "pt"}}));
    }

    void saveThenLoadReproducesOutputs() {
        ToyLm trained = freshModel(1);
        model::enableLora(*trained, qvConfig());
        train(trained, 5);
        std::string dir = path("roundtrip");
        model::LoraConfig c = qvConfig();
        c.options.rslora = true;  // a config other than the defaults survives too
        c.options.dropout = 0.05;
        // Options must match the adapters; a fresh pair with these options, trained.
        ToyLm lm = freshModel(1);
        model::enableLora(*lm, c);
        train(lm, 5);
        model::saveLoraAdapter(dir, *lm, c, "base");
        model::saveLoraAdapter(dir, *lm, c, "base");  // replacing an existing folder

        ToyLm fresh = freshModel(1);
        model::LoraConfig loaded = model::loadLoraAdapter(dir, *fresh);
        QCOMPARE(loaded.options, c.options);
        QCOMPARE(loaded.targetModules, c.targetModules);
        QCOMPARE(loaded.baseModel, std::string("base"));
        QCOMPARE(trainableNames(*fresh), adapterNames({"q_proj", "v_proj"}));
        QVERIFY(bitwiseEqual(evalOutput(fresh), evalOutput(lm)));
        Named a = snapshot(*lm), b = snapshot(*fresh);
        QCOMPARE(a.size(), b.size());
        for (const auto &[name, t] : a) QVERIFY2(bitwiseEqual(t, b.at(name)), name.c_str());
        QVERIFY(!bitwiseEqual(evalOutput(trained), evalOutput(lm)));  // not trivially equal
    }

    void gpt2TargetsWriteFanInFanOut() {
        ToyLm lm = freshModel(1);
        model::LoraConfig c = qvConfig();
        c.fanInFanOut = true;
        model::enableLora(*lm, c);
        std::string dir = path("fan");
        model::saveLoraAdapter(dir, *lm, c, "gpt2");
        QVERIFY(readJson(dir + "/adapter_config.json")["fan_in_fan_out"] == nlohmann::json(true));
        ToyLm fresh = freshModel(1);
        QVERIFY(model::loadLoraAdapter(dir, *fresh).fanInFanOut);
    }

    void saveRefusesMismatchedOptions() {
        ToyLm lm = freshModel(1);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, model::saveLoraAdapter(path("none"), *lm, qvConfig(), "b"));
        model::enableLora(*lm, qvConfig());
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, model::saveLoraAdapter(path("none"), *lm, qvConfig(8), "b"));
        QVERIFY(!std::filesystem::exists(path("none")) && !std::filesystem::exists(path("none") + ".partial"));
    }

    void hostileAdaptersAreRefused() {
        std::string good = savedAdapter();
        const std::string q0A = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight";
        struct Case {
            const char *name;
            std::function<void(const std::string &dir)> spoil;
            const char *file;      // the file the error must name
            QStringList mentions;  // what its message must contain
        };
        auto editConfig = [](std::function<void(nlohmann::json &)> edit) {
            return [edit](const std::string &dir) {
                nlohmann::json j = readJson(dir + "/adapter_config.json");
                edit(j);
                writeText(dir + "/adapter_config.json", j.dump());
            };
        };
        auto editWeights = [](std::function<void(std::map<std::string, torch::Tensor> &)> edit) {
            return [edit](const std::string &dir) { rewriteWeights(dir + "/adapter_model.safetensors", edit); };
        };
        std::vector<Case> cases = {
            {"missing_key",
             editWeights([&](auto &t) { t.erase(q0A); }),
             "adapter_model.safetensors",
             {QString::fromStdString(q0A), QStringLiteral("missing")}},
            {"extra_key",
             editWeights([](auto &t) {
                 t["base_model.model.model.layers.0.mlp.up_proj.lora_A.weight"] = torch::zeros({4, kDim});
             }),
             "adapter_model.safetensors",
             {QStringLiteral("unexpected tensor base_model.model.model.layers.0.mlp.up_proj.lora_A.weight")}},
            {"wrong_shape",
             editWeights([&](auto &t) {
                 t[q0A] = torch::zeros({4, kDim + 1});
             }),
             "adapter_model.safetensors",
             {QString::fromStdString(q0A), QStringLiteral("[4, 17]"), QStringLiteral("[4, 16]")}},
            {"rank_mismatch",
             editConfig([](auto &j) { j["r"] = 8; }),
             "adapter_model.safetensors",
             {QString::fromStdString(q0A), QStringLiteral("r = 8"), QStringLiteral("[8, 16]")}},
            {"target_not_found",
             editConfig([](auto &j) {
                 j["target_modules"] = {"q_proj", "gate_proj"};
             }),
             "adapter_config.json",
             {QStringLiteral("target_modules"), QStringLiteral("\"gate_proj\""), QStringLiteral("up_proj")}},
            {"not_lora",
             editConfig([](auto &j) { j["peft_type"] = "IA3"; }),
             "adapter_config.json",
             {QStringLiteral("peft_type"), QStringLiteral("IA3")}},
            {"regex_targets",
             editConfig([](auto &j) { j["target_modules"] = ".*proj"; }),
             "adapter_config.json",
             {QStringLiteral("target_modules"), QStringLiteral("regular expression")}},
            {"bias_trained",
             editConfig([](auto &j) { j["bias"] = "all"; }),
             "adapter_config.json",
             {QStringLiteral("bias")}},
            {"rank_pattern",
             editConfig([](auto &j) {
                 j["rank_pattern"] = {{"q_proj", 8}};
             }),
             "adapter_config.json",
             {QStringLiteral("rank_pattern")}},
            {"negative_rank", editConfig([](auto &j) { j["r"] = -1; }), "adapter_config.json", {QStringLiteral("r:")}},
            {"alpha_text",
             editConfig([](auto &j) { j["lora_alpha"] = "16"; }),
             "adapter_config.json",
             {QStringLiteral("lora_alpha")}},
            {"not_json",
             [](const std::string &dir) { writeText(dir + "/adapter_config.json", "{\"r\": 4,"); },
             "adapter_config.json",
             {QStringLiteral("JSON")}},
            {"no_weights",
             [](const std::string &dir) { std::filesystem::remove(dir + "/adapter_model.safetensors"); },
             "adapter_model.safetensors",
             {}},
        };
        for (const Case &c : cases) {
            std::string dir = copyAdapter(good, path(c.name));
            c.spoil(dir);
            ToyLm lm = freshModel(1);
            Named before = snapshot(*lm);
            std::string file;
            QString e = inputErrorOf([&] { model::loadLoraAdapter(dir, *lm); }, &file);
            QVERIFY2(file == dir + "/" + c.file, qPrintable(QStringLiteral("%1: %2").arg(QLatin1String(c.name), e)));
            for (const QString &m : c.mentions)
                QVERIFY2(e.contains(m), qPrintable(QStringLiteral("%1: %2 lacks %3").arg(QLatin1String(c.name), e, m)));
            // Refused before anything changed: no adapter, nothing frozen, same weights.
            QVERIFY2(!hasAnyAdapter(lm), c.name);
            QCOMPARE(trainableNames(*lm).size(), before.size());
        }
    }

    // ---- merging ---------------------------------------------------------------------------

    void mergeKeepsTheFunction() {
        ToyLm lm = freshModel64(6);
        model::LoraConfig c = qvConfig();
        c.targetModules = {"q_proj", "v_proj", "down_proj", "lm_head"};
        model::enableLora(*lm, c);
        train(lm, 10);
        torch::Tensor before = evalOutput(lm);
        std::vector<std::string> merged = model::mergeLoraAdapters(*lm);
        QCOMPARE(merged.size(), std::size_t(kLayers * 3 + 1));
        for (const auto &p : lm->named_parameters())
            QVERIFY2(p.key().find("lora") == std::string::npos, p.key().c_str());
        QVERIFY(!hasAnyAdapter(lm));
        torch::Tensor after = evalOutput(lm);
        double diff = maxDiff(before, after);
        QVERIFY2(diff < kFloat64Bound, qPrintable(QString::number(diff)));
        ToyLm base = freshModel64(6);
        QVERIFY(maxDiff(evalOutput(base), after) > 1e-3);  // the adapters did change something
        QVERIFY(model::mergeLoraAdapters(*lm).empty());
        // A merged model takes a new adapter again (for a second round of finetuning).
        QCOMPARE(model::enableLora(*lm, qvConfig()).size(), std::size_t(kLayers * 2));
    }

    // ---- activation checkpointing -----------------------------------------------------------

    void checkpointedGradientsEqualPlainOnes_data() {
        QTest::addColumn<bool>("lora");
        QTest::addColumn<double>("dropout");
        QTest::newRow("full finetune") << false << 0.0;
        QTest::newRow("lora (input without grad)") << true << 0.0;
        QTest::newRow("full finetune, dropout") << false << 0.3;
        QTest::newRow("lora, adapter dropout") << true << 0.3;
    }

    void checkpointedGradientsEqualPlainOnes() {
        QFETCH(bool, lora);
        QFETCH(double, dropout);
        auto run = [&](bool checkpoint, double *loss, torch::Tensor *after) {
            ToyLm lm = freshModel64(7, dropout);
            if (lora) {
                model::LoraConfig c = qvConfig();
                c.targetModules = {"q_proj", "v_proj", "up_proj"};
                c.options.dropout = dropout;
                model::enableLora(*lm, c);
                torch::NoGradGuard noGrad;  // B != 0 so that the adapters' path matters
                for (const auto &p : lm->named_parameters())
                    if (p.key().find("lora_B") != std::string::npos) p.value().normal_(0, 0.1);
            }
            lm->checkpointLayers = checkpoint;
            torch::manual_seed(70);
            torch::Tensor l = torch::mse_loss(lm->forward(toyIds()), toyTarget().to(torch::kDouble));
            l.backward();
            *loss = l.item<double>();
            *after = torch::rand({4});  // the random sequence goes on as without checkpointing
            Named grads;
            for (const auto &p : lm->named_parameters())
                if (p.value().requires_grad()) grads.emplace(p.key(), p.value().grad().clone());
            return grads;
        };
        double plainLoss = 0, ckptLoss = 0;
        torch::Tensor plainAfter, ckptAfter;
        Named plain = run(false, &plainLoss, &plainAfter), ckpt = run(true, &ckptLoss, &ckptAfter);
        QCOMPARE(ckptLoss, plainLoss);
        QVERIFY(bitwiseEqual(ckptAfter, plainAfter));
        QCOMPARE(ckpt.size(), plain.size());
        QCOMPARE(plain.size(), lora ? std::size_t(kLayers * 6) : snapshot(*freshModel(7)).size());
        for (const auto &[name, g] : plain) {
            QVERIFY2(ckpt.at(name).defined(), name.c_str());
            double diff = maxDiff(g, ckpt.at(name));
            QVERIFY2(diff < kFloat64Bound,
                     qPrintable(QStringLiteral("%1: %2").arg(QString::fromStdString(name)).arg(diff)));
            QVERIFY2(g.abs().max().item<double>() > 0 || name.find("lora_A") != std::string::npos, name.c_str());
        }
    }

    void checkpointedInputGradient() {
        torch::manual_seed(8);
        torch::nn::Linear a(6, 6), b(6, 6);
        a->to(torch::kDouble);
        b->to(torch::kDouble);
        auto f = [&](const torch::Tensor &x) { return b(torch::tanh(a(x))) * x; };
        torch::Tensor x = torch::randn({5, 6}, torch::kDouble).requires_grad_(true);
        torch::Tensor x2 = x.detach().clone().requires_grad_(true);
        f(x).pow(2).sum().backward();
        std::vector<torch::Tensor> plain = {x.grad().clone(), a->weight.grad().clone(), b->bias.grad().clone()};
        a->zero_grad();
        b->zero_grad();
        torch::Tensor y = model::checkpointed(f, x2);
        QVERIFY(y.requires_grad());
        y.pow(2).sum().backward();
        std::vector<torch::Tensor> ckpt = {x2.grad(), a->weight.grad(), b->bias.grad()};
        for (std::size_t i = 0; i < plain.size(); ++i) QVERIFY(maxDiff(plain[i], ckpt[i]) < kFloat64Bound);
    }

    void checkpointedFrozenOrWithoutGradMode() {
        torch::manual_seed(9);
        torch::nn::Linear a(4, 4);
        for (auto &p : a->parameters()) p.set_requires_grad(false);
        int calls = 0;
        auto f = [&](const torch::Tensor &x) {
            ++calls;
            return a(x);
        };
        torch::Tensor x = torch::randn({2, 4});
        {
            torch::NoGradGuard noGrad;
            torch::Tensor y = model::checkpointed(f, x);
            QVERIFY(!y.requires_grad());
            QVERIFY(bitwiseEqual(y, a(x)));
        }
        QCOMPARE(calls, 1);
        // Nothing inside needs a gradient: the backward recomputes, finds so and does nothing.
        torch::Tensor w = torch::ones({4}, torch::requires_grad());
        torch::Tensor out = (model::checkpointed(f, x) * w).sum();
        out.backward();
        QCOMPARE(calls, 3);
        QVERIFY(!a->weight.grad().defined());
        QVERIFY(w.grad().defined());
    }
};

QTEST_GUILESS_MAIN(TestLora)
#include "test_lora.moc"
