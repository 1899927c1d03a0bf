#pragma once
// A judge on any OpenAI-compatible chat-completions server (OpenAI, vLLM, llama.cpp's server,
// Ollama), asked as the papers ask: the rendered prompt as one user message, max_tokens 1,
// temperature 0, logprobs with the top 20 alternatives of the one answer token. HTTP through
// libcurl's multi interface: a bounded number of requests in flight, retries with exponential
// backoff (Retry-After honoured) on 429, 5xx, timeouts and dropped connections, and an
// immediate stop naming the cause on any other refusal (400, 401, 403, 404, ...).

#include "eval/judges/judge_backend.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace inoculab::eval {

struct OpenAiJudgeSettings {
    std::string baseUrl;  // the API root: requests go to <baseUrl>/chat/completions
    std::string model;
    std::string apiKey;   // empty: no Authorization header. Never logged or stored.
    int concurrency = 8;
    std::int64_t maxRequests = 100000;  // HTTP requests one judge() call may make, retries included
    int maxRetries = 6;
    double timeoutSeconds = 60;
    int topLogprobs = 20;
    double backoffSeconds = 1;      // before the first retry; doubled each time, +-25% jitter
    double maxBackoffSeconds = 60;  // also the longest Retry-After obeyed
};

struct HttpJudgeStats {
    std::int64_t requests = 0;  // HTTP requests made
    std::int64_t retries = 0;   // of which repeated a prompt after a retryable failure
};

class OpenAiJudge final : public JudgeBackend {
public:
    explicit OpenAiJudge(OpenAiJudgeSettings settings);
    std::string identity() const override;  // "openai <base_url> <model>"
    void judge(const std::vector<std::string> &prompts, experiment::JudgeMode mode, const VerdictFn &onVerdict,
               const common::CancelToken *cancel) override;
    const HttpJudgeStats &stats() const { return m_stats; }

private:
    OpenAiJudgeSettings m_settings;
    HttpJudgeStats m_stats;
};

// The spec's openai judge, its key read from the environment variable the spec names. Throws
// JudgeError when that variable is not set.
std::unique_ptr<JudgeBackend> makeOpenAiJudge(const experiment::JudgeSpec &spec);

// The request body for one prompt.
std::string chatCompletionRequest(std::string_view model, std::string_view prompt, int topLogprobs);
// The distribution in a chat-completions response: choices[0].logprobs.content[0].top_logprobs
// (or the answer token itself when the server lists no alternatives), each token with
// exp(logprob). Throws JudgeError naming the field that is missing or wrong. Bounded: at most
// kMaxResponseBytes are read, at most 1000 alternatives kept.
JudgeDistribution parseChatCompletionLogprobs(std::string_view body);
inline constexpr std::size_t kMaxResponseBytes = 4 << 20;

}  // namespace inoculab::eval
