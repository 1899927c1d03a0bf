#pragma once
// A judge that can be asked prompts: an OpenAI-compatible server (openai_judge.h) or a local
// Hugging Face model run by the engine (hf_judge.h).

#include "common/progress.h"
#include "eval/judges/judge_verdict.h"

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace inoculab::eval {

// A judge that cannot go on (a refused key, a missing model, a broken server, an exhausted
// request budget); the message names the judge and the cause.
class JudgeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

using VerdictFn = std::function<void(std::size_t promptIndex, JudgeDistribution distribution)>;

class JudgeBackend {
public:
    virtual ~JudgeBackend() = default;
    // Who judges, the verdict cache's key: equal identities give equal verdicts for a prompt.
    virtual std::string identity() const = 0;
    // Asks every prompt. onVerdict is called on the calling thread as each verdict arrives, so a
    // failure or a cancel (common::Cancelled) keeps the verdicts delivered before it.
    virtual void judge(const std::vector<std::string> &prompts, experiment::JudgeMode mode, const VerdictFn &onVerdict,
                       const common::CancelToken *cancel) = 0;
};

// The judge of a trait; `specFile` resolves a local judge's folder. Shared: a factory may hand
// the same loaded judge to several traits and evaluations.
using JudgeBackendFactory =
    std::function<std::shared_ptr<JudgeBackend>(const experiment::JudgeSpec &judge, const std::string &specFile)>;

}  // namespace inoculab::eval
