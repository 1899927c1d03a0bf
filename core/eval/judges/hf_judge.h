#pragma once
// A judge that is a local Hugging Face model run by the engine (on the GPU when there is one).
// Its verdict is exact, for any tokenizer: each answer the mode reads ("0".."100", or yes/no
// in their usual capitalisations) is scored as a complete assistant answer, its tokens and the
// end-of-turn token, so P("42") is the probability that the judge answers exactly "42" and
// stops, however the tokenizer splits digits (Qwen: one token a digit; Llama 3: up to three
// digits a token). The integers' probabilities need not sum to 1: the rest is the mass the
// judge puts on other answers, which min_mass reads.

#include "eval/judges/judge_backend.h"
#include "model/causal_lm.h"
#include "model/chat_tokenizer.h"

#include <memory>
#include <string>

namespace inoculab::eval {

class HfJudge final : public JudgeBackend {
public:
    // `identity` names the folder and its weights (see makeHfJudge).
    HfJudge(model::CausalLm model, std::shared_ptr<const model::ChatTokenizer> tokenizer, std::string identity,
            torch::Device device, int rowsPerForward);
    std::string identity() const override { return m_identity; }
    void judge(const std::vector<std::string> &prompts, experiment::JudgeMode mode, const VerdictFn &onVerdict,
               const common::CancelToken *cancel) override;

private:
    model::CausalLm m_model;
    std::shared_ptr<const model::ChatTokenizer> m_tokenizer;
    std::string m_identity;
    torch::Device m_device;
    int m_rowsPerForward;
};

// The answers a mode scores as complete answers.
std::vector<std::string> hfJudgeCandidates(experiment::JudgeMode mode);

// The spec's hf judge: the folder (relative to the spec) with its tokenizer.json and chat
// template, frozen, bf16 on a GPU. Its identity is "hf <folder> <digest>", the digest over
// config.json and each weight file's name, size and modification time, so a judge replaced
// in place is not taken for the old one.
std::unique_ptr<JudgeBackend> makeHfJudge(const experiment::JudgeSpec &spec, const std::string &specFile,
                                          torch::Device device);

// The judges a worker uses: openai ones over HTTP, hf ones on `device`, each made once (the
// same judge spec in several traits and evaluations gets the same loaded judge).
JudgeBackendFactory engineJudgeFactory(torch::Device device);

}  // namespace inoculab::eval
