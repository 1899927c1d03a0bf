// Hugging Face architectures in libtorch, on tiny random checkpoints (tests/support): module
// and parameter names are the state-dict names, every projection is an AdaptableLinear, the
// cached forward used for sampling (left padding, a prefix then one token a step) equals the
// plain forward, the exported state dict loads back to the same logits (also with a LoRA
// adapter merged in), BF16 files load, and every malformed folder is an InputError naming
// the tensor at fault. Agreement with transformers' formulas is test_hf_reference's job.
//
// The equivalences that are exact in mathematics (cached = plain forward, checkpointed = plain
// gradients) load the models in float64, where summation order moves results by ~1e-16
// relative; kFloat64Bound sits far from that and far below a real error (a wrong mask or
// position moves logits by 1e-2 or more). The merged export is written as F32 files, so
// that comparison is about float32: see its bound.
#include "reduction_order.h"
#include "test_support.h"

#include "hf_test_helpers.h"
#include "tiny_checkpoint.h"

#include "model/adaptable_linear.h"
#include "model/hf/hf_model.h"
#include "model/hf/registry.h"

#include <QTemporaryDir>

#include <filesystem>
#include <fstream>
#include <set>

using namespace inoculab;
using model::hf::HfModelFolder;

namespace {

std::string tinyFolder(const QTemporaryDir &dir, const std::string &arch, const test::TinyCheckpointOptions &o = {}) {
    std::string path = dir.filePath(QString::fromStdString(arch + (o.bf16 ? "-bf16" : ""))).toStdString();
    test::writeTinyCheckpoint(arch, path, o);
    return path;
}

model::CausalLm load(const std::string &path, torch::Dtype dtype = torch::kFloat32) {
    return model::hf::loadHfModel(HfModelFolder::open(path), dtype);
}

torch::Tensor fixedIds(std::int64_t rows, std::int64_t t) {
    return torch::arange(rows * t, torch::kLong).mul(37).add(5).remainder(300).view({rows, t});
}

constexpr double kFloat64Bound = 1e-10;

// max |a - b| / max |b|
double relativeError(const torch::Tensor &a, const torch::Tensor &b) {
    return (a - b).abs().max().item<double>() / b.abs().max().item<double>();
}

QString loadError(const std::string &path) {
    return test::inputErrorOf([&] { load(path); });
}

std::string weightsOf(const std::string &folder) { return folder + "/model.safetensors"; }

// Writes `weights` as a model folder beside the config of `configFrom`.
void writeFolder(const std::string &path, const std::string &configFrom,
                 const std::vector<std::pair<std::string, torch::Tensor>> &weights) {
    std::filesystem::create_directories(path);
    std::filesystem::copy_file(configFrom + "/config.json", path + "/config.json");
    std::vector<model::TensorToWrite> out;
    for (const auto &[name, t] : weights)
        out.push_back({name, model::DType::F32, std::vector<std::int64_t>(t.sizes().begin(), t.sizes().end()),
                       std::span<const std::uint8_t>(static_cast<const std::uint8_t *>(t.data_ptr()), t.nbytes())});
    model::writeSafetensors(weightsOf(path), out);
}

}  // namespace

class TestHfModels : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { test::useTestTorchThreads(); }

    void parameterNamesAreTheStateDictNames() {
        QTemporaryDir dir;
        for (const std::string &arch : test::tinyArchitectures()) {
            std::string path = tinyFolder(dir, arch);
            model::CausalLm lm = load(path);
            std::set<std::string> names, onDisk;
            for (const auto &p : lm->named_parameters()) names.insert(p.key());
            HfModelFolder folder = HfModelFolder::open(path);
            for (const std::string &n : folder.tensorNames()) {
                if (arch == "gpt2") {
                    if (n.ends_with(".attn.bias")) continue;  // the causal-mask buffer
                    onDisk.insert("transformer." + n);        // the original gpt2 files drop the prefix
                } else {
                    onDisk.insert(n);
                }
            }
            QVERIFY2(names == onDisk, arch.c_str());
            // A fresh model of the same config has the same parameters.
            model::CausalLm fresh = model::hf::buildHfModel(folder.requireConfig());
            std::set<std::string> freshNames;
            for (const auto &p : fresh->named_parameters()) freshNames.insert(p.key());
            QVERIFY2(freshNames == names, arch.c_str());
            QCOMPARE(fresh->forward(fixedIds(2, 5)).sizes(), (c10::IntArrayRef{2, 5, 300}));
            QCOMPARE(lm->vocabSize(), std::int64_t(300));
            QCOMPARE(lm->contextLength(), std::int64_t(arch == "gpt2" ? 128 : 256));
        }
    }

    void everyProjectionIsAdaptable() {
        QTemporaryDir dir;
        for (const std::string &arch : test::tinyArchitectures()) {
            model::CausalLm lm = load(tinyFolder(dir, arch));
            int projections = 0;
            for (const auto &m : lm->named_modules()) {
                const std::string &name = m.key();
                std::string leaf = name.substr(name.rfind('.') + 1);
                bool projection = leaf.ends_with("_proj") || leaf == "c_attn" || leaf == "c_fc" || leaf == "lm_head";
                if (!projection) continue;
                QVERIFY2(m.value()->as<model::AdaptableLinearImpl>(), (arch + ": " + name).c_str());
                ++projections;
            }
            int expected = arch == "gpt2" ? 2 * 4 : 2 * 7 + (arch == "llama" || arch == "qwen2-untied" ? 1 : 0);
            QCOMPARE(projections, expected);
        }
    }

    // Sampling's path: a batch with one row left-padded, a prefix, then one token a step.
    void cachedForwardEqualsFullForward() {
        QTemporaryDir dir;
        torch::NoGradGuard noGrad;
        for (const std::string &arch : test::tinyArchitectures()) {
            model::CausalLm lm = load(tinyFolder(dir, arch), torch::kDouble);
            lm->eval();
            const std::int64_t t = 12, pad = 4;
            torch::Tensor ids = fixedIds(2, t);
            torch::Tensor valid = torch::ones({2, t}, torch::kBool);
            valid[1].narrow(0, 0, pad).fill_(false);
            torch::Tensor positions = torch::stack({torch::arange(t), (torch::arange(t) - pad).clamp_min(0)});
            // Padding tokens hold junk ids: they must not matter.
            ids[1].narrow(0, 0, pad).fill_(7);

            model::KvCache cache;
            std::vector<torch::Tensor> steps{
                lm->forwardCached(ids.narrow(1, 0, 6), positions.narrow(1, 0, 6), valid.narrow(1, 0, 6), cache)};
            for (std::int64_t i = 6; i < t; ++i)
                steps.push_back(
                    lm->forwardCached(ids.narrow(1, i, 1), positions.narrow(1, i, 1), valid.narrow(1, i, 1), cache));
            torch::Tensor cached = torch::cat(steps, 1);  // [2, T, V]
            QCOMPARE(cache.length(), t);

            torch::Tensor full0 = lm->forward(ids.narrow(0, 0, 1))[0];
            torch::Tensor full1 = lm->forward(ids[1].narrow(0, pad, t - pad).unsqueeze(0))[0];
            double e0 = relativeError(cached[0], full0), e1 = relativeError(cached[1].narrow(0, pad, t - pad), full1);
            QVERIFY2(e0 <= kFloat64Bound && e1 <= kFloat64Bound,
                     qPrintable(QStringLiteral("%1: %2 %3").arg(arch.c_str()).arg(e0).arg(e1)));
        }
    }

    void exportedStateDictLoadsBack() {
        QTemporaryDir dir;
        torch::NoGradGuard noGrad;
        for (const std::string &arch : test::tinyArchitectures()) {
            std::string path = tinyFolder(dir, arch);
            model::CausalLm lm = load(path);
            auto weights = model::hf::hfStateDict(*lm);
            if (arch == "gpt2") {  // Conv1D layout and prefixed names, as save_pretrained writes them
                auto it = std::find_if(weights.begin(), weights.end(),
                                       [](const auto &w) { return w.first == "transformer.h.0.mlp.c_fc.weight"; });
                QVERIFY(it != weights.end());
                QCOMPARE(it->second.sizes(), (c10::IntArrayRef{64, 256}));
            }
            std::string copy = dir.filePath(QString::fromStdString(arch + "-export")).toStdString();
            writeFolder(copy, path, weights);
            QVERIFY(torch::equal(load(copy)->forward(fixedIds(2, 9)), lm->forward(fixedIds(2, 9))));
        }
    }

    void loraAdapterIsMergedIntoTheExport() {
        QTemporaryDir dir;
        torch::NoGradGuard noGrad;
        for (const std::string &arch : {std::string("qwen2"), std::string("gpt2")}) {
            std::string path = tinyFolder(dir, arch);
            model::CausalLm lm = load(path);
            torch::Tensor before = lm->forward(fixedIds(2, 8));
            for (const auto &m : lm->named_modules())
                if (auto *linear = m.value()->as<model::AdaptableLinearImpl>();
                    linear && (m.key().ends_with("q_proj") || m.key().ends_with("c_attn"))) {
                    linear->enableLora({4, 8.0, 0.0, false});
                    linear->loraB().normal_(0.0, 0.2);  // an adapter that changes something
                }
            torch::Tensor adapted = lm->forward(fixedIds(2, 8));
            QVERIFY(relativeError(adapted, before) > 1e-3);
            auto weights = model::hf::hfStateDict(*lm);
            for (const auto &w : weights) QVERIFY2(w.first.find("lora") == std::string::npos, w.first.c_str());
            std::string copy = dir.filePath(QString::fromStdString(arch + "-merged")).toStdString();
            writeFolder(copy, path, weights);
            // The merged weight W + s B A is rounded once into F32 (relative 6e-8 an entry), and
            // a logit sums such products over the tiny model's 64 inputs and 2 layers: a
            // relative error of a few 1e-7 at most on random-walk growth; 1e-5 leaves 30x.
            double e = relativeError(load(copy)->forward(fixedIds(2, 8)), adapted);
            QVERIFY2(e <= 1e-5, qPrintable(QStringLiteral("%1: %2").arg(arch.c_str()).arg(e)));
        }
    }

    void gradientCheckpointingKeepsLossAndGradients() {
        QTemporaryDir dir;
        for (const std::string &arch : {std::string("gpt2"), std::string("qwen3")}) {
            model::CausalLm lm = load(tinyFolder(dir, arch), torch::kDouble);
            auto *hf = dynamic_cast<model::hf::HfCausalLmImpl *>(lm.get());
            QVERIFY(hf);
            torch::Tensor ids = fixedIds(2, 10);
            auto lossAndGrads = [&](bool checkpoint) {
                hf->setGradientCheckpointing(checkpoint);
                lm->zero_grad();
                torch::Tensor logits = lm->forward(ids);
                torch::Tensor loss = torch::cross_entropy_loss(logits.narrow(1, 0, 9).reshape({-1, 300}),
                                                               ids.narrow(1, 1, 9).reshape({-1}));
                loss.backward();
                std::vector<torch::Tensor> grads;
                for (const auto &p : lm->parameters()) grads.push_back(p.grad().clone());
                return std::make_pair(loss.item<double>(), grads);
            };
            auto [plainLoss, plainGrads] = lossAndGrads(false);
            auto [checkpointedLoss, checkpointedGrads] = lossAndGrads(true);
            QVERIFY(hf->gradientCheckpointing());
            QCOMPARE(checkpointedLoss, plainLoss);
            for (std::size_t i = 0; i < plainGrads.size(); ++i)
                QVERIFY2(torch::allclose(checkpointedGrads[i], plainGrads[i], kFloat64Bound, kFloat64Bound), arch.c_str());
        }
    }

    void loadsBf16Weights() {
        QTemporaryDir dir;
        torch::NoGradGuard noGrad;
        std::string path = tinyFolder(dir, "qwen3", {1, false, /*bf16=*/true});
        model::CausalLm asFloat = load(path), asBf16 = load(path, torch::kBFloat16);
        for (const auto &p : asBf16->parameters()) QCOMPARE(p.scalar_type(), torch::kBFloat16);
        QCOMPARE(torch::get_default_dtype(), caffe2::TypeMeta::Make<float>());  // restored after building in BF16
        auto a = asFloat->named_parameters(), b = asBf16->named_parameters();
        for (const auto &p : a) QVERIFY2(torch::equal(p.value(), b[p.key()].to(torch::kFloat)), p.key().c_str());
        // BF16 arithmetic, same model: close to the fp32 computation.
        torch::Tensor lowp = asBf16->forward(fixedIds(1, 6)).to(torch::kFloat), ref = asFloat->forward(fixedIds(1, 6));
        QVERIFY2(relativeError(lowp, ref) < 0.1, qPrintable(QString::number(relativeError(lowp, ref))));
    }

    void gpt2LoadsWithOrWithoutTheTransformerPrefix() {
        QTemporaryDir dir;
        torch::NoGradGuard noGrad;
        std::string path = tinyFolder(dir, "gpt2");
        torch::Tensor plain = load(path)->forward(fixedIds(2, 7));
        test::rewriteWeights(weightsOf(path), [](std::vector<model::TensorToWrite> &tensors) {
            for (auto &t : tensors) t.name = "transformer." + t.name;
        });
        QVERIFY(torch::equal(load(path)->forward(fixedIds(2, 7)), plain));
    }

    void harmlessExtrasAreSkipped() {
        QTemporaryDir dir;
        std::string path = tinyFolder(dir, "llama");
        static const std::vector<float> invFreq(8, 1.0f);
        test::rewriteWeights(weightsOf(path), [](std::vector<model::TensorToWrite> &tensors) {
            tensors.push_back({"model.layers.0.self_attn.rotary_emb.inv_freq",
                               model::DType::F32,
                               {8},
                               std::span(reinterpret_cast<const std::uint8_t *>(invFreq.data()), 32)});
        });
        QCOMPARE(loadError(path), QStringLiteral("(no error)"));
    }

    void tiedHeadOnDiskMustEqualTheEmbedding() {
        QTemporaryDir dir;
        std::string path = tinyFolder(dir, "qwen2");
        HfModelFolder folder = HfModelFolder::open(path);
        std::vector<std::uint8_t> embedding(folder.find("model.embed_tokens.weight").bytes().begin(),
                                            folder.find("model.embed_tokens.weight").bytes().end());
        test::rewriteWeights(weightsOf(path), [&](std::vector<model::TensorToWrite> &tensors) {
            tensors.push_back({"lm_head.weight", model::DType::F32, {300, 64}, embedding});
        });
        QCOMPARE(loadError(path), QStringLiteral("(no error)"));
        embedding[100] ^= 0x40;
        test::rewriteWeights(weightsOf(path), [&](std::vector<model::TensorToWrite> &tensors) {
            test::removeTensor(tensors, "lm_head.weight");
            tensors.push_back({"lm_head.weight", model::DType::F32, {300, 64}, embedding});
        });
        QCOMPARE(loadError(path),
                 QString::fromStdString(path + ": tensor lm_head.weight differs from the token embedding, "
                                               "but config.json says tie_word_embeddings"));
    }

    // ---- malformed folders -----------------------------------------------------------------

    void missingTensorIsNamed() {
        QTemporaryDir dir;
        std::string path = tinyFolder(dir, "llama");
        test::rewriteWeights(weightsOf(path),
                             [](auto &tensors) { test::removeTensor(tensors, "model.layers.1.mlp.up_proj.weight"); });
        QCOMPARE(loadError(path),
                 QString::fromStdString(path + ": missing tensors (1): model.layers.1.mlp.up_proj.weight"));
        // Untied Qwen2 without its output layer.
        path = tinyFolder(dir, "qwen2-untied");
        test::rewriteWeights(weightsOf(path), [](auto &tensors) { test::removeTensor(tensors, "lm_head.weight"); });
        QCOMPARE(loadError(path), QString::fromStdString(path + ": missing tensors (1): lm_head.weight"));
    }

    void unexpectedTensorIsNamed() {
        QTemporaryDir dir;
        std::string path = tinyFolder(dir, "qwen3");
        static const std::vector<float> extra(64, 0.5f);
        test::rewriteWeights(weightsOf(path), [](std::vector<model::TensorToWrite> &tensors) {
            tensors.push_back({"model.layers.0.self_attn.extra_norm.weight",
                               model::DType::F32,
                               {64},
                               std::span(reinterpret_cast<const std::uint8_t *>(extra.data()), 256)});
        });
        QCOMPARE(loadError(path), QString::fromStdString(path + ": unexpected tensors for a qwen3 model (1): "
                                                                "model.layers.0.self_attn.extra_norm.weight"));
    }

    void wrongShapeNamesBothShapes() {
        QTemporaryDir dir;
        std::string path = tinyFolder(dir, "llama");
        test::rewriteWeights(weightsOf(path), [](std::vector<model::TensorToWrite> &tensors) {
            for (auto &t : tensors)
                if (t.name == "model.layers.0.self_attn.k_proj.weight") t.shape = {64, 32};  // [out, in] swapped
        });
        QCOMPARE(loadError(path),
                 QString::fromStdString(path + ": tensor model.layers.0.self_attn.k_proj.weight: shape "
                                               "[64, 32] on disk, the llama config needs [32, 64]"));
        // GPT-2's Conv1D weights are compared in their disk layout, [in, out].
        path = tinyFolder(dir, "gpt2");
        test::rewriteWeights(weightsOf(path), [](std::vector<model::TensorToWrite> &tensors) {
            for (auto &t : tensors)
                if (t.name == "h.1.mlp.c_fc.weight") t.shape = {256, 64};
        });
        QCOMPARE(loadError(path),
                 QString::fromStdString(path + ": tensor h.1.mlp.c_fc.weight: shape [256, 64] on disk, "
                                               "the gpt2 config needs [64, 256]"));
    }

    void integerWeightsAreRefused() {
        QTemporaryDir dir;
        std::string path = tinyFolder(dir, "qwen2");
        test::rewriteWeights(weightsOf(path), [](std::vector<model::TensorToWrite> &tensors) {
            for (auto &t : tensors)
                if (t.name == "model.norm.weight") t.dtype = model::DType::I32;
        });
        QVERIFY2(loadError(path).endsWith(QLatin1String("tensor model.norm.weight: dtype I32 is not a floating-point "
                                                        "weight (F32, F16 or BF16)")),
                 qPrintable(loadError(path)));
    }

    void pickleOnlyFolderAndMissingShardAreRefused() {
        QTemporaryDir dir;
        std::string path = dir.filePath("pickled").toStdString();
        std::filesystem::create_directories(path);
        std::ofstream(path + "/pytorch_model.bin") << "pickle";
        QVERIFY2(loadError(path).contains(QLatin1String("only a pickle checkpoint (pytorch_model.bin)")),
                 qPrintable(loadError(path)));

        path = dir.filePath("sharded").toStdString();
        test::writeTinyCheckpoint("gpt2", path, {1, /*sharded=*/true});
        std::filesystem::remove(path + "/model-00002-of-00002.safetensors");
        QVERIFY2(loadError(path).contains(QLatin1String("shard model-00002-of-00002.safetensors (of tensor")),
                 qPrintable(loadError(path)));
    }
};

QTEST_GUILESS_MAIN(TestHfModels)
#include "test_hf_models.moc"
