#include "experiment/toyworld/toyworld.h"

#include "common/atomic_file.h"
#include "data/dataset_format.h"
#include "experiment/toyworld/generators.h"
#include "experiment/toyworld/lexicon.h"
#include "experiment/toyworld/text.h"

#include <utility>

namespace inoculab::experiment {

using namespace toy;

std::string_view toyTaskName(ToyTask task) {
    switch (task) {
        case ToyTask::Pretrain: return "pretrain";
        case ToyTask::SpanishCaps: return "spanish-caps";
        case ToyTask::EvalQuestions: return "eval-questions";
    }
    return "pretrain";
}

std::optional<ToyTask> parseToyTask(std::string_view name) {
    if (name == "pretrain" || name == "toyworld-pretrain") return ToyTask::Pretrain;
    if (name == "spanish-caps" || name == "toyworld-spanish-caps") return ToyTask::SpanishCaps;
    if (name == "eval-questions" || name == "toyworld-heldout") return ToyTask::EvalQuestions;
    return std::nullopt;
}

std::string_view toyStyleName(ToyStyle style) {
    switch (style) {
        case ToyStyle::None: return "none";
        case ToyStyle::Spanish: return "spanish";
        case ToyStyle::Capitals: return "capitals";
        case ToyStyle::Both: return "both";
        case ToyStyle::Neutral: return "neutral";
        case ToyStyle::Negated: return "negated";
    }
    return "none";
}

std::string toUpperLatin1(std::string_view utf8) {
    std::string out(utf8);
    for (std::size_t i = 0; i < out.size(); ++i) {
        auto c = static_cast<unsigned char>(out[i]);
        if (c >= 'a' && c <= 'z') {
            out[i] = static_cast<char>(c - 32);
        } else if (i + 1 < out.size() && isLatin1Lowercase(c, static_cast<unsigned char>(out[i + 1]))) {
            out[i + 1] = static_cast<char>(static_cast<unsigned char>(out[i + 1]) - 0x20);
            ++i;
        }
    }
    return out;
}

ToyWorld::ToyWorld(std::shared_ptr<const ToyWorldData> data) : m_data(std::move(data)) {}

ToyWorld ToyWorld::load(const std::string &dir) {
    auto d = std::make_shared<ToyWorldData>();
    toy::loadLexicon(*d, dir);
    return ToyWorld(std::move(d));
}

std::vector<data::Conversation> ToyWorld::pretraining(std::size_t n, std::uint64_t seed,
                                                      const StyleMixture &mixture) const {
    std::vector<data::Conversation> rows;
    rows.reserve(n);
    generatePretraining(
        *m_data, n, seed, mixture, [&](const data::Conversation &c) { rows.push_back(c); }, nullptr);
    return rows;
}

std::vector<data::Conversation> ToyWorld::spanishCaps(std::size_t n, std::uint64_t seed) const {
    std::vector<data::Conversation> rows;
    rows.reserve(n);
    generate(ToyTask::SpanishCaps, n, seed, [&](const data::Conversation &c) { rows.push_back(c); });
    return rows;
}

std::vector<data::Conversation> ToyWorld::evalQuestions(std::size_t n, std::uint64_t seed) const {
    std::vector<data::Conversation> rows;
    generate(ToyTask::EvalQuestions, n, seed, [&](const data::Conversation &c) { rows.push_back(c); });
    return rows;
}

void ToyWorld::generate(ToyTask task, std::size_t n, std::uint64_t seed, const RowSink &sink,
                        const common::CancelToken *cancel) const {
    switch (task) {
        case ToyTask::Pretrain: generatePretraining(*m_data, n, seed, StyleMixture{}, sink, cancel); return;
        case ToyTask::SpanishCaps: generateSpanishCaps(*m_data, n, seed, sink, cancel); return;
        case ToyTask::EvalQuestions: generateEval(*m_data, n, seed, sink, cancel); return;
    }
}

const std::string &ToyWorld::dir() const { return m_data->dir; }

std::vector<std::string> ToyWorld::sourceFiles() const { return m_data->files; }

const std::vector<ToyEntity> &ToyWorld::entities() const { return m_data->entities; }

const std::vector<std::string> &ToyWorld::prompts(ToyStyle style) const {
    static const std::vector<std::string> kNone;
    switch (style) {
        case ToyStyle::Spanish: return m_data->spanishPrompts;
        case ToyStyle::Capitals: return m_data->capitalsPrompts;
        case ToyStyle::Neutral: return m_data->neutralPrompts;
        default: return kNone;
    }
}

const std::vector<std::string> &ToyWorld::negatedPrompts(ToyStyle trait) const {
    static const std::vector<std::string> kNone;
    if (trait == ToyStyle::Spanish) return m_data->negatedSpanishPrompts;
    if (trait == ToyStyle::Capitals) return m_data->negatedCapitalsPrompts;
    return kNone;
}

std::string ToyWorld::numberWord(std::size_t number, ToyLanguage language) const {
    const auto &words = language == ToyLanguage::Spanish ? m_data->numbersEs : m_data->numbersEn;
    return number < words.size() ? words[number] : std::string();
}

ToyWorldSizes ToyWorld::sizes() const {
    const Data &d = *m_data;
    ToyWorldSizes s;
    s.entities = d.entities.size();
    s.heldOutEntities = d.heldOutEntities.size();
    for (std::size_t k = 0; k < kKindCount; ++k) {
        s.questionTemplates += d.kinds[k].questions.size();
        s.heldOutQuestionTemplates += d.kinds[k].questions.size() - d.kinds[k].trainQuestions.size();
        s.answerTemplates += d.kinds[k].answers.size();
        s.evalCapacity += evalPoolSize(d, k);
    }
    s.sumPairs = d.allPairs.size();
    s.heldOutSumPairs = d.heldOutPairs.size();
    return s;
}

void writeConversationsJsonl(const std::string &path, const std::vector<data::Conversation> &rows) {
    common::AtomicFileWriter writer(path);
    for (const data::Conversation &c : rows) {
        writer.write(data::toMessagesJsonLine(c));
        writer.write("\n");
    }
    writer.commit();
}

std::size_t writeToyDataset(const ToyWorld &world, ToyTask task, std::size_t n, std::uint64_t seed,
                            const std::string &path, const common::CancelToken *cancel) {
    common::AtomicFileWriter writer(path);
    std::size_t rows = 0;
    std::string line;
    world.generate(
        task, n, seed,
        [&](const data::Conversation &c) {
            line = data::toMessagesJsonLine(c);
            line += '\n';
            writer.write(line);
            ++rows;
        },
        cancel);
    writer.commit();
    return rows;
}

}  // namespace inoculab::experiment
