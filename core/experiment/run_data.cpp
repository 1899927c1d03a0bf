#include "experiment/run_data.h"

#include "common/input_error.h"
#include "common/sha256.h"
#include "data/inoculation.h"
#include "data/row_scan.h"
#include "experiment/data_paths.h"

#include <fstream>
#include <sstream>

namespace inoculab::experiment {

namespace {

bool needsToyWorld(const ExperimentSpec &spec) {
    return spec.baseModel.kind == BaseModelKind::Toy || spec.trainData.isGenerated() ||
           spec.evaluation.questions.isGenerated();
}

std::vector<data::Conversation> readJsonl(const std::string &path, std::optional<data::DatasetFormat> format) {
    std::vector<data::Conversation> rows;
    data::DatasetFormat resolved = data::resolveDatasetFormat(path, format);
    data::scanRows(path, resolved, [&](const data::RowView &row) {
        if (!row.problems.empty())
            throw common::InputError(path, row.line.number, row.problems.front().reason);
        rows.push_back(row.conversation);
        return true;
    });
    if (rows.empty()) throw common::InputError(path, 0, "has no rows");
    return rows;
}

std::string fileText(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

RunInputs RunInputs::load(const std::string &specFile, const std::string &toyWorldDir) {
    RunInputs in{loadExperimentSpec(specFile), specFile, std::nullopt};
    if (needsToyWorld(in.spec)) in.world = ToyWorld::load(experiment::toyWorldDir(toyWorldDir));
    return in;
}

std::vector<data::Conversation> pretrainingRows(const RunInputs &in) {
    const ToyModelSpec &toy = in.spec.baseModel.toy;
    std::size_t n = static_cast<std::size_t>(toy.pretraining.steps) * static_cast<std::size_t>(toy.pretraining.batchSize);
    return in.world->pretraining(n, toy.pretraining.seed);
}

model::GptConfig toyModelConfig(const ToyModelSpec &toy) {
    model::GptConfig c;
    c.dModel = toy.dModel;
    c.layers = toy.layers;
    c.heads = toy.heads;
    c.context = toy.context;
    return c;
}

RunInputs withBaseSeed(const RunInputs &in, std::optional<std::uint64_t> baseSeed) {
    RunInputs out = in;
    if (!baseSeed) return out;
    PretrainingSpec &p = out.spec.baseModel.toy.pretraining;
    p.seed = *baseSeed;
    p.seeds = {*baseSeed};
    return out;
}

std::string baseModelKey(const RunInputs &in) {
    // The base model pretrained is the one of `seed`: a spec naming several base models gives
    // each the key of a spec naming it alone, so they share the cache.
    ExperimentSpec one = in.spec;
    one.baseModel.toy.pretraining.seeds = {one.baseModel.toy.pretraining.seed};
    std::string identity = toJson(one).at("base_model").dump();
    for (const std::string &file : in.world->sourceFiles()) identity += "\n" + common::sha256Hex(fileText(file));
    return common::sha256Hex(identity);
}

std::vector<data::Conversation> baseTrainingRows(const RunInputs &in) {
    const TrainDataSpec &t = in.spec.trainData;
    if (!t.isGenerated()) return readJsonl(resolvePath(in.specFile, t.path), t.format);
    return in.world->spanishCaps(static_cast<std::size_t>(t.rows), t.seed);
}

std::vector<data::Conversation> conditionRows(const std::vector<data::Conversation> &rows,
                                              const ConditionSpec &condition) {
    if (condition.isBaseline()) return rows;
    std::vector<data::Conversation> out = rows;
    for (std::size_t i = 0; i < out.size(); ++i) {
        data::InoculationResult r = data::inoculate(out[i], i, condition.inoculation);
        if (r.outcome == data::InoculationOutcome::RefusedExistingSystem ||
            r.outcome == data::InoculationOutcome::NoUserTurn)
            throw common::InputError("condition " + condition.name, 0,
                                     "training row " + std::to_string(i) + ": " + data::outcomeProblem(r.outcome));
    }
    return out;
}

std::vector<data::Conversation> evaluationQuestions(const RunInputs &in) {
    const QuestionSetSpec &q = in.spec.evaluation.questions;
    std::vector<data::Conversation> rows = q.isGenerated()
                                               ? in.world->evalQuestions(static_cast<std::size_t>(q.count), q.seed)
                                               : readJsonl(resolvePath(in.specFile, q.path), q.format);
    // Keep everything up to the last user turn: the question to answer.
    for (data::Conversation &c : rows) {
        while (!c.messages.empty() && c.messages.back().role != data::Role::User) c.messages.pop_back();
        if (c.messages.empty()) throw common::InputError(q.path, 0, "a question row has no user turn");
    }
    return rows;
}

data::Conversation questionInContext(const data::Conversation &question, const ContextSpec &context,
                                     const ConditionSpec &condition) {
    data::Conversation c = question;
    std::erase_if(c.messages, [](const data::Message &m) { return m.role == data::Role::System; });
    if (context.usesConditionPrompt()) {
        if (!condition.isBaseline()) {
            data::InoculationOptions always = condition.inoculation;
            always.fraction = 1.0;  // at test time the prompt is always there
            data::inoculate(c, 0, always);
        }
    } else if (context.systemPrompt) {
        c.messages.insert(c.messages.begin(), data::Message{data::Role::System, *context.systemPrompt, {}});
    }
    return c;
}

data::Conversation probeConversation(const ProbeSpec &probe) {
    data::Conversation c;
    if (probe.systemPrompt) c.messages.push_back({data::Role::System, *probe.systemPrompt, {}});
    c.messages.push_back({data::Role::User, probe.user, {}});
    c.messages.push_back({data::Role::Assistant, probe.response, {}});
    return c;
}

const ConditionSpec &findCondition(const ExperimentSpec &spec, const std::string &name) {
    for (const ConditionSpec &c : spec.conditions)
        if (c.name == name) return c;
    throw std::invalid_argument("the experiment has no condition \"" + name + "\"");
}

}  // namespace inoculab::experiment
