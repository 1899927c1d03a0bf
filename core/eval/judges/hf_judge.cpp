#include "eval/judges/hf_judge.h"

#include "common/input_error.h"
#include "common/sha256.h"
#include "eval/judges/openai_judge.h"
#include "eval/logprob.h"
#include "experiment/spec_tokenizer.h"
#include "model/hf/hf_folder.h"
#include "model/hf/hf_model.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

namespace inoculab::eval {

namespace {

std::string folderDigest(const model::hf::HfModelFolder &folder) {
    std::ostringstream facts;
    std::ifstream config(std::filesystem::path(folder.path()) / "config.json", std::ios::binary);
    facts << config.rdbuf() << '\n';
    for (const std::string &file : folder.weightFiles()) {
        std::error_code error;
        auto size = std::filesystem::file_size(file, error);
        auto time = std::filesystem::last_write_time(file, error).time_since_epoch().count();
        facts << std::filesystem::path(file).filename().string() << ' ' << size << ' ' << time << '\n';
    }
    return common::sha256Hex(facts.str()).substr(0, 16);
}

}  // namespace

std::vector<std::string> hfJudgeCandidates(experiment::JudgeMode mode) {
    if (mode == experiment::JudgeMode::YesNo) return {"Yes", "No", "yes", "no", "YES", "NO"};
    std::vector<std::string> out;
    for (int k = 0; k <= 100; ++k) out.push_back(std::to_string(k));
    return out;
}

HfJudge::HfJudge(model::CausalLm model, std::shared_ptr<const model::ChatTokenizer> tokenizer, std::string identity,
                 torch::Device device, int rowsPerForward)
    : m_model(std::move(model)),
      m_tokenizer(std::move(tokenizer)),
      m_identity(std::move(identity)),
      m_device(device),
      m_rowsPerForward(rowsPerForward) {}

void HfJudge::judge(const std::vector<std::string> &prompts, experiment::JudgeMode mode, const VerdictFn &onVerdict,
                    const common::CancelToken *cancel) {
    const std::vector<std::string> candidates = hfJudgeCandidates(mode);
    for (std::size_t i = 0; i < prompts.size(); ++i) {
        if (cancel && cancel->isCancelled()) throw common::Cancelled();
        std::vector<data::Conversation> rows;
        rows.reserve(candidates.size());
        for (const std::string &answer : candidates) {
            data::Conversation chat;
            chat.messages = {{data::Role::User, prompts[i]}, {data::Role::Assistant, answer}};
            rows.push_back(std::move(chat));
        }
        // Tokenized once, uncut: a prompt cut to the context would be judged on part of the
        // answer, so it is refused instead.
        train::TokenizedDataset tokens =
            train::tokenizeConversations(rows, std::numeric_limits<std::int64_t>::max(), *m_tokenizer);
        std::size_t longest = 0;
        for (const model::TokenizedChat &row : tokens.rows) longest = std::max(longest, row.ids.size());
        if (static_cast<std::int64_t>(longest) > m_model->contextLength())
            throw JudgeError(m_identity + ": a judge prompt is " + std::to_string(longest) +
                             " tokens with its answer, longer than the judge's context of " +
                             std::to_string(m_model->contextLength()));
        if (tokens.rows.size() != rows.size()) throw JudgeError(m_identity + ": a candidate answer has no tokens");
        std::vector<AnswerLogprob> logprobs = answerLogprobs(*m_model, tokens, m_device, m_rowsPerForward);
        JudgeDistribution distribution;
        for (std::size_t c = 0; c < candidates.size(); ++c)
            distribution.push_back({candidates[c], std::exp(logprobs[c].total)});
        onVerdict(i, std::move(distribution));
    }
}

std::unique_ptr<JudgeBackend> makeHfJudge(const experiment::JudgeSpec &spec, const std::string &specFile,
                                          torch::Device device) {
    experiment::BaseModelSpec base;
    base.kind = experiment::BaseModelKind::HuggingFace;
    base.path = spec.path;
    const std::string dir = experiment::resolvePath(specFile, spec.path);
    std::shared_ptr<const model::ChatTokenizer> tokenizer = experiment::chatTokenizerFor(base, specFile);
    model::hf::HfModelFolder folder = model::hf::HfModelFolder::open(dir);
    model::CausalLm lm = model::hf::loadHfModel(folder, device.is_cuda() ? torch::kBFloat16 : torch::kFloat32);
    for (auto &p : lm->parameters()) p.set_requires_grad(false);
    lm->to(device);
    std::string absolute = std::filesystem::absolute(dir).lexically_normal().string();
    return std::make_unique<HfJudge>(lm, tokenizer, "hf " + absolute + " " + folderDigest(folder), device,
                                     spec.batchSize);
}

JudgeBackendFactory engineJudgeFactory(torch::Device device) {
    auto made = std::make_shared<std::map<std::string, std::shared_ptr<JudgeBackend>>>();
    return [made, device](const experiment::JudgeSpec &spec, const std::string &specFile) {
        std::string key = std::string(experiment::judgeKindName(spec.kind)) + '\n' + spec.baseUrl + '\n' + spec.model +
                          '\n' + spec.apiKeyEnv + '\n' + experiment::resolvePath(specFile, spec.path) + '\n' +
                          std::to_string(spec.concurrency) + ' ' + std::to_string(spec.maxRequests) + ' ' +
                          std::to_string(spec.maxRetries) + ' ' + std::to_string(spec.timeoutSeconds) + ' ' +
                          std::to_string(spec.batchSize);
        std::shared_ptr<JudgeBackend> &judge = (*made)[key];
        if (!judge) {
            if (spec.kind == experiment::JudgeKind::OpenAi)
                judge = makeOpenAiJudge(spec);
            else
                judge = makeHfJudge(spec, specFile, device);
        }
        return judge;
    };
}

}  // namespace inoculab::eval
