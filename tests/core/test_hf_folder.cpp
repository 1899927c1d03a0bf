// Hugging Face model folders without torch: config.json parsing (every family, defaults,
// each wrong field an InputError naming it), folders (single file, shards checked against
// their index, pickle-only folders refused with advice, a lone .safetensors file) and the
// `model info` report.
#include "test_support.h"

#include "hf_test_helpers.h"
#include "tiny_checkpoint.h"

#include "../../app/cli/model_info.h"
#include "model/hf/hf_config.h"
#include "model/hf/hf_folder.h"

#include <QTemporaryDir>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace inoculab;
using model::hf::HfConfig;
using model::hf::HfModelFolder;
using nlohmann::json;

namespace {

HfConfig parse(const json &doc) { return model::hf::parseHfConfig(doc); }

QString configError(json doc) {
    return test::inputErrorOf([&] { parse(doc); });
}

std::string tinyFolder(const QTemporaryDir &dir, const std::string &arch, const test::TinyCheckpointOptions &o = {}) {
    std::string path = dir.filePath(QString::fromStdString(arch)).toStdString();
    test::writeTinyCheckpoint(arch, path, o);
    return path;
}

void writeText(const std::string &path, const std::string &text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

}  // namespace

class TestHfFolder : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // ---- config.json -----------------------------------------------------------------------

    void parsesEveryTinyFamily() {
        HfConfig gpt2 = parse(test::tinyConfig("gpt2"));
        QCOMPARE(gpt2.family, std::string("gpt2"));
        QCOMPARE(gpt2.hiddenSize, std::int64_t(64));
        QCOMPARE(gpt2.intermediateSize, std::int64_t(256));  // n_inner absent: 4 * n_embd
        QCOMPARE(gpt2.kvHeads, std::int64_t(4));
        QCOMPARE(gpt2.headDim, std::int64_t(16));
        QVERIFY(gpt2.tieWordEmbeddings);  // GPT-2's default
        QCOMPARE(gpt2.hiddenAct, std::string("gelu_new"));
        QCOMPARE(gpt2.maxPositions, std::int64_t(128));

        HfConfig llama = parse(test::tinyConfig("llama"));
        QCOMPARE(llama.family, std::string("llama"));
        QCOMPARE(llama.heads, std::int64_t(4));
        QCOMPARE(llama.kvHeads, std::int64_t(2));
        QVERIFY(!llama.tieWordEmbeddings);
        QVERIFY(!llama.attentionBias);
        QVERIFY(llama.ropeScaling.has_value());
        QCOMPARE(llama.ropeScaling->factor, 8.0);
        QCOMPARE(llama.ropeScaling->originalMaxPositionEmbeddings, std::int64_t(64));
        QCOMPARE(llama.eosTokenIds, (std::vector<std::int64_t>{2, 3}));
        QCOMPARE(llama.bosTokenIds, (std::vector<std::int64_t>{1}));

        HfConfig qwen2 = parse(test::tinyConfig("qwen2"));
        QVERIFY(qwen2.attentionBias);
        QVERIFY(!qwen2.oProjBias);
        QVERIFY(qwen2.tieWordEmbeddings);
        QVERIFY(!parse(test::tinyConfig("qwen2-untied")).tieWordEmbeddings);

        HfConfig qwen3 = parse(test::tinyConfig("qwen3"));
        QVERIFY(qwen3.qkNorm);
        QCOMPARE(qwen3.headDim, std::int64_t(32));  // explicit, not hidden / heads
        QVERIFY(!qwen3.attentionBias);
        QCOMPARE(qwen3.toJson()["head_dim"].get<std::int64_t>(), std::int64_t(32));
    }

    void familyFromArchitecturesWhenModelTypeIsMissing() {
        json c = test::tinyConfig("qwen2");
        c.erase("model_type");
        QCOMPARE(parse(c).family, std::string("qwen2"));
    }

    void defaultsOfOptionalFields() {
        json c = test::tinyConfig("llama");
        for (const char *f : {"num_key_value_heads", "rope_scaling", "tie_word_embeddings", "attention_bias"})
            c.erase(f);
        HfConfig p = parse(c);
        QCOMPARE(p.kvHeads, p.heads);
        QVERIFY(!p.ropeScaling);
        QVERIFY(!p.tieWordEmbeddings);
        c["rope_scaling"] = {{"rope_type", "default"}};
        QVERIFY(!parse(c).ropeScaling);
    }

    void eachWrongFieldIsNamed() {
        json c = test::tinyConfig("llama");
        c.erase("hidden_size");
        QCOMPARE(configError(c), QStringLiteral("config.json: hidden_size: required, missing"));

        c = test::tinyConfig("qwen3");
        c["num_attention_heads"] = "4";
        QVERIFY2(configError(c).startsWith(QLatin1String("config.json: num_attention_heads: expected an integer")),
                 qPrintable(configError(c)));

        c = test::tinyConfig("llama");
        c["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4.0}};
        QVERIFY2(configError(c).contains(QLatin1String("rope_scaling: type \"yarn\" is not supported")),
                 qPrintable(configError(c)));

        c = test::tinyConfig("llama");
        c["rope_scaling"].erase("low_freq_factor");
        QVERIFY2(configError(c).contains(QLatin1String("rope_scaling.low_freq_factor: required")),
                 qPrintable(configError(c)));

        c = test::tinyConfig("llama");
        c["num_key_value_heads"] = 3;
        QVERIFY2(configError(c).contains(QLatin1String("num_key_value_heads: 3 does not divide")),
                 qPrintable(configError(c)));

        c = test::tinyConfig("gpt2");
        c["model_type"] = "mamba";
        QVERIFY2(configError(c).contains(QLatin1String("model_type: \"mamba\" is not a supported architecture")),
                 qPrintable(configError(c)));

        c = test::tinyConfig("gpt2");
        c["n_layer"] = 0;
        QVERIFY2(configError(c).contains(QLatin1String("n_layer: must be at least 1")), qPrintable(configError(c)));

        c = test::tinyConfig("llama");
        c["eos_token_id"] = {2, "x"};
        QVERIFY2(configError(c).contains(QLatin1String("eos_token_id: expected a list of token ids")),
                 qPrintable(configError(c)));

        c = test::tinyConfig("llama");
        c["hidden_act"] = "gelu";
        QVERIFY2(configError(c).contains(QLatin1String("hidden_act: \"gelu\" is not supported")),
                 qPrintable(configError(c)));

        QCOMPARE(configError(json::array()), QStringLiteral("config.json: expected a JSON object"));
    }

    // ---- folders -----------------------------------------------------------------------------

    void opensSingleAndShardedFolders() {
        QTemporaryDir dir;
        HfModelFolder single = HfModelFolder::open(tinyFolder(dir, "llama"));
        std::string shardedPath = dir.filePath("sharded").toStdString();
        test::writeTinyCheckpoint("llama", shardedPath, {1, /*sharded=*/true});
        HfModelFolder sharded = HfModelFolder::open(shardedPath);
        QCOMPARE(sharded.weightFiles().size(), std::size_t(2));
        QCOMPARE(sharded.tensorNames(), single.tensorNames());
        QCOMPARE(sharded.parameterCount(), single.parameterCount());
        for (const std::string &name : single.tensorNames()) {
            std::span<const std::uint8_t> a = single.find(name).bytes(), b = sharded.find(name).bytes();
            QVERIFY2(std::equal(a.begin(), a.end(), b.begin(), b.end()), name.c_str());
        }
        QVERIFY(single.find("model.embed_tokens.weight"));
        QVERIFY(!single.find("model.embed_tokens"));
        QCOMPARE(single.requireConfig().family, std::string("llama"));
        // 300*64 embeddings + 2 layers + norm + untied head.
        std::uint64_t layer = 64 * 2 + 64 * 64 + 2 * 32 * 64 + 64 * 64 + 3 * 128 * 64;
        QCOMPARE(single.parameterCount(), std::uint64_t(2 * 300 * 64 + 2 * layer + 64));
        QCOMPARE(single.elementsByDtype().size(), std::size_t(1));
        QCOMPARE(single.elementsByDtype().begin()->first, model::DType::F32);
    }

    void refusesPickleOnlyFolders() {
        QTemporaryDir dir;
        std::string path = dir.filePath("pickled").toStdString();
        std::filesystem::create_directories(path);
        writeText(path + "/config.json", test::tinyConfig("gpt2").dump());
        writeText(path + "/pytorch_model.bin", "PK\x03\x04 not really");
        QString error = test::inputErrorOf([&] { HfModelFolder::open(path); });
        QVERIFY2(error.startsWith(QString::fromStdString(path + ": only a pickle checkpoint (pytorch_model.bin)")),
                 qPrintable(error));
        QVERIFY2(error.contains(QLatin1String("execute arbitrary code")), qPrintable(error));
        QVERIFY2(error.contains(QLatin1String("safe_serialization=True")), qPrintable(error));
        error = test::inputErrorOf([&] { HfModelFolder::open(path + "/pytorch_model.bin"); });
        QVERIFY2(error.contains(QLatin1String("pickle")), qPrintable(error));

        std::filesystem::remove(path + "/pytorch_model.bin");
        error = test::inputErrorOf([&] { HfModelFolder::open(path); });
        QVERIFY2(error.contains(QLatin1String("no model.safetensors or model.safetensors.index.json")),
                 qPrintable(error));
    }

    void checksTheShardIndex() {
        QTemporaryDir dir;
        std::string path = dir.filePath("sharded").toStdString();
        test::writeTinyCheckpoint("qwen3", path, {1, /*sharded=*/true});
        const std::string index = path + "/model.safetensors.index.json", shard2 = "model-00002-of-00002.safetensors";
        json original = json::parse(test::readFile(index).toStdString());

        // An index naming a shard that is not there.
        json bad = original;
        bad["weight_map"]["model.norm.weight"] = "model-00003-of-00003.safetensors";
        writeText(index, bad.dump());
        QString error = test::inputErrorOf([&] { HfModelFolder::open(path); });
        QVERIFY2(error.contains(QLatin1String(
                     "shard model-00003-of-00003.safetensors (of tensor model.norm.weight) does not exist")),
                 qPrintable(error));

        // A tensor in another shard than the index says.
        bad = original;
        bad["weight_map"]["model.norm.weight"] = "model-00001-of-00002.safetensors";
        writeText(index, bad.dump());
        error = test::inputErrorOf([&] { HfModelFolder::open(path); });
        QVERIFY2(error.contains(QLatin1String("tensor model.norm.weight is here, but the index says it is in "
                                              "model-00001-of-00002.safetensors")),
                 qPrintable(error));

        // A tensor the index lists that no shard has.
        bad = original;
        bad["weight_map"]["model.extra.weight"] = shard2;
        writeText(index, bad.dump());
        error = test::inputErrorOf([&] { HfModelFolder::open(path); });
        QVERIFY2(error.contains(QLatin1String("tensor model.extra.weight is missing")), qPrintable(error));

        // An index pointing outside the folder.
        bad = original;
        bad["weight_map"]["model.norm.weight"] = "../model-00002-of-00002.safetensors";
        writeText(index, bad.dump());
        error = test::inputErrorOf([&] { HfModelFolder::open(path); });
        QVERIFY2(error.contains(QLatin1String("is not a .safetensors file name in this folder")), qPrintable(error));

        // The same tensor in two shards.
        writeText(index, original.dump());
        std::string first = original["weight_map"].begin().key();
        model::TensorInfo info;
        std::vector<std::uint8_t> copy;
        {
            HfModelFolder ok = HfModelFolder::open(path);
            info = *ok.find(first).info;
            copy.assign(ok.find(first).bytes().begin(), ok.find(first).bytes().end());
        }
        test::rewriteWeights(path + "/" + shard2, [&](std::vector<model::TensorToWrite> &tensors) {
            tensors.push_back({first, info.dtype, info.shape, copy});
        });
        error = test::inputErrorOf([&] { HfModelFolder::open(path); });
        QVERIFY2(error.contains(QString::fromStdString("tensor " + first)), qPrintable(error));
    }

    void opensALoneSafetensorsFile() {
        QTemporaryDir dir;
        std::string path = tinyFolder(dir, "gpt2") + "/model.safetensors";
        HfModelFolder file = HfModelFolder::open(path);
        QVERIFY(!file.config());
        QVERIFY(file.find("wte.weight"));
        QVERIFY(test::inputErrorOf([&] { file.requireConfig(); }).contains(QLatin1String("no config.json")));
    }

    void missingConfigIsNamed() {
        QTemporaryDir dir;
        std::string path = tinyFolder(dir, "qwen2");
        std::filesystem::remove(path + "/config.json");
        QCOMPARE(test::inputErrorOf([&] { HfModelFolder::open(path); }),
                 QString::fromStdString(path + "/config.json: missing"));
    }

    // ---- model info --------------------------------------------------------------------------

    void modelInfoReport() {
        QTemporaryDir dir;
        std::string path = tinyFolder(dir, "qwen3", {1, false, /*bf16=*/true});
        std::ostringstream out;
        QCOMPARE(cli::runModelInfo(path, out), 0);
        QString text = QString::fromStdString(out.str());
        for (const char *expected :
             {"architecture          qwen3 (Qwen3ForCausalLM)", "layers                2",
              "heads                 4 (2 key/value, head dim 32)", "vocabulary            300",
              "context               256 tokens", "tied embeddings       yes", "dtypes                BF16",
              "model.layers.1.self_attn.q_norm.weight", "[128, 64]"})
            QVERIFY2(text.contains(QLatin1String(expected)), qPrintable(expected + QStringLiteral("\n") + text));
        HfModelFolder folder = HfModelFolder::open(path);
        QVERIFY(text.contains(QStringLiteral("parameters            %1").arg(folder.parameterCount())));
        QVERIFY(text.contains(QStringLiteral("tensors               %1").arg(folder.tensorNames().size())));
    }
};

QTEST_GUILESS_MAIN(TestHfFolder)
#include "test_hf_folder.moc"
