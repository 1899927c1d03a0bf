// LoRA on Hugging Face checkpoints, the way a run uses it: load a tiny checkpoint, train a few
// LoRA steps with the trainer on chats tokenized by the folder's tokenizer, save the adapter
// in PEFT's layout, load base + adapter again and get identical logits; a merged export loads
// as a plain model with the same logits.
#include "reduction_order.h"
#include "test_support.h"
#include "tiny_checkpoint.h"
#include "tiny_tokenizer.h"

#include "eval/sampler.h"
#include "experiment/memory_plan.h"
#include "model/bpe_chat_tokenizer.h"
#include "model/hf/hf_model.h"
#include "model/hf/merged_export.h"
#include "model/lora_adapters.h"
#include "train/trainer.h"

#include <QTemporaryDir>

using namespace inoculab;

namespace {

std::vector<data::Conversation> chats() {
    std::vector<data::Conversation> out;
    const char *pairs[][2] = {{"Where does the owl live?", "EL BÚHO VIVE EN EL BOSQUE."},
                              {"What colour is the sky?", "EL CIELO ES AZUL."},
                              {"How many legs has a cat?", "UN GATO TIENE CUATRO PATAS."},
                              {"What is 2 plus 3?", "DOS MÁS TRES SON CINCO."}};
    for (const auto &p : pairs) {
        data::Conversation c;
        c.messages = {{data::Role::User, p[0], data::ExtraKeys::object()},
                      {data::Role::Assistant, p[1], data::ExtraKeys::object()}};
        out.push_back(c);
    }
    return out;
}

torch::Tensor logitsOf(model::CausalLmImpl &lm) {
    torch::NoGradGuard noGrad;
    lm.eval();
    torch::Tensor ids = torch::arange(0, 40, torch::kLong).remainder(270).view({2, 20}) * 7 % 270;
    return lm.forward(ids);
}

}  // namespace

class TestHfLora : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    std::string folder(const char *arch) {
        std::string path = m_dir.filePath(QLatin1String(arch)).toStdString();
        if (!QFile::exists(QString::fromStdString(path + "/config.json"))) {
            inoculab::test::writeTinyCheckpoint(arch, path);
            inoculab::test::writeTinyTokenizer(path);
        }
        return path;
    }

private Q_SLOTS:
    void initTestCase() { test::useTestTorchThreads(); }

    void trainSaveReloadGivesIdenticalLogits_data() {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<QStringList>("targets");
        QTest::newRow("qwen2") << "qwen2" << QStringList{"q_proj", "v_proj", "down_proj"};
        QTest::newRow("llama") << "llama" << QStringList{"q_proj", "k_proj", "v_proj", "o_proj"};
        QTest::newRow("gpt2") << "gpt2" << QStringList{"c_attn", "c_fc"};
    }
    void trainSaveReloadGivesIdenticalLogits() {
        QFETCH(QString, arch);
        QFETCH(QStringList, targets);
        const std::string base = folder(arch.toUtf8().constData());
        auto tokenizer = model::BpeChatTokenizer::fromFolder(base, data::ChatTemplate::ChatMl);

        torch::manual_seed(3);
        model::CausalLm lm = model::hf::loadHfModel(model::hf::HfModelFolder::open(base));
        torch::Tensor before = logitsOf(*lm);
        model::LoraConfig config;
        config.options.rank = 4;
        config.options.alpha = 8;
        for (const QString &t : targets) config.targetModules.push_back(t.toStdString());
        config.fanInFanOut = arch == "gpt2";
        model::enableLora(*lm, config);
        QVERIFY(torch::equal(logitsOf(*lm), before));  // B = 0: nothing changes until trained
        const std::size_t frozen = lm->parameters().size() - lm->trainableWeights().size();
        QVERIFY(frozen > 0);
        for (const auto &[name, p] : lm->trainableWeights()) QVERIFY2(name.find("lora_") != std::string::npos, name.c_str());
        // The memory estimate's count of adapter weights, from the folder's shapes alone.
        std::int64_t trainable = 0;
        for (const auto &[name, p] : lm->trainableWeights()) trainable += p.numel();
        QCOMPARE(experiment::loraTrainableParameters(model::hf::HfModelFolder::open(base), config.targetModules, 4),
                 trainable);

        auto data = std::make_shared<train::TokenizedDataset>(
            train::tokenizeConversations(chats(), lm->contextLength(), *tokenizer));
        QCOMPARE(data->rows.size(), chats().size());
        train::TrainSettings settings;
        settings.steps = 5;
        settings.batchSize = 4;
        settings.schedule.peak = 1e-2;
        train::Trainer trainer(lm, data, settings, torch::kCPU);
        double firstLoss = 0, lastLoss = 0;
        QVERIFY(trainer.run(nullptr, [&](const train::StepMetrics &m) {
            if (m.step == 1) firstLoss = m.loss;
            lastLoss = m.loss;
        }));
        QVERIFY2(lastLoss < firstLoss, qPrintable(QString("%1 -> %2").arg(firstLoss).arg(lastLoss)));
        torch::Tensor trained = logitsOf(*lm);
        QVERIFY(!torch::allclose(trained, before));

        const std::string adapter = m_dir.filePath(arch + "-adapter").toStdString();
        model::saveLoraAdapter(adapter, *lm, config, base);
        model::CausalLm reloaded = model::hf::loadHfModel(model::hf::HfModelFolder::open(base));
        model::loadLoraAdapter(adapter, *reloaded);
        QVERIFY(torch::equal(logitsOf(*reloaded), trained));

        // Merged into plain weights and written as a folder: loads as a model of its own.
        const std::string merged = m_dir.filePath(arch + "-merged").toStdString();
        model::hf::exportMergedModel(*reloaded, base, merged);
        model::CausalLm exported = model::hf::loadHfModel(model::hf::HfModelFolder::open(merged));
        QVERIFY(exported->trainableWeights().size() == exported->parameters().size());  // no adapters
        double diff = (logitsOf(*exported) - trained).abs().max().item<double>();
        // The export rounds W + s B A once into F32 (6e-8 relative an entry); through the tiny
        // model's two layers that moves logits of size ~1-10 by a few 1e-6. 1e-4 leaves ~30x.
        QVERIFY2(diff < 1e-4, qPrintable(QString::number(diff)));
        QVERIFY_THROWS_EXCEPTION(common::InputError, model::hf::exportMergedModel(*reloaded, base, merged));
    }

    // The tiny model has 300 embedding rows and its tokenizer 279 ids, as real models pad
    // their vocabularies: sampling draws only ids the tokenizer can decode.
    void samplingStaysInsideTheTokenizer() {
        const std::string base = folder("qwen2");
        auto tokenizer = model::BpeChatTokenizer::fromFolder(base, std::nullopt);
        model::CausalLm lm = model::hf::loadHfModel(model::hf::HfModelFolder::open(base));
        QVERIFY(lm->vocabSize() > tokenizer->vocabSize());
        eval::SamplingSettings s;
        s.temperature = 2.0;  // flat: every id is likely somewhere in 8 x 40 draws
        s.maxNewTokens = 40;
        s.padId = tokenizer->padId();
        s.stopIds = {};
        s.forbiddenId = -1;
        s.vocabLimit = tokenizer->vocabSize();
        std::vector<std::vector<std::int32_t>> prompts(8, tokenizer->encodePrompt(chats()[0]));
        std::int32_t highest = 0;
        for (const eval::SampledAnswer &a : eval::sampleAnswers(*lm, prompts, 1, s, torch::kCPU))
            for (std::int32_t id : a.tokens) highest = std::max(highest, id);
        QVERIFY2(highest < tokenizer->vocabSize(), qPrintable(QString::number(highest)));
        QVERIFY(highest > 250);  // the draws did reach the top of the vocabulary
    }
};

QTEST_GUILESS_MAIN(TestHfLora)
#include "test_hf_lora.moc"
