#include "eval/judges/openai_judge.h"

#include "common/input_error.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

namespace inoculab::eval {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxAlternatives = 1000;
constexpr std::size_t kMaxQuotedBytes = 300;  // of a server's error text, in our messages
// log-probs a hair above 0 are rounding (a certain token); anything more is not a log-prob.
constexpr double kLogprobSlack = 1e-6;

void initCurlOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw JudgeError("libcurl could not be initialised");
    });
}

std::string quotedExcerpt(std::string_view text) {
    std::string cut(text.substr(0, kMaxQuotedBytes));
    if (text.size() > kMaxQuotedBytes) cut += "...";
    return json(cut).dump(-1, ' ', false, json::error_handler_t::replace);
}

[[noreturn]] void malformed(const std::string &where, const std::string &what) {
    throw JudgeError("the response is not a chat completion with log-probs: " + where + " " + what);
}

const json &member(const json &object, const char *key, const std::string &where) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) malformed(where + "." + key, "is missing");
    return *it;
}

// The server's own explanation of a refusal, when its body is OpenAI's {"error": {"message"}}.
std::string serverReason(const std::string &body) {
    json parsed = json::parse(body, nullptr, false);
    if (parsed.is_object()) {
        auto error = parsed.find("error");
        if (error != parsed.end()) {
            if (error->is_object() && error->contains("message") && (*error)["message"].is_string())
                return quotedExcerpt((*error)["message"].get<std::string>());
            if (error->is_string()) return quotedExcerpt(error->get<std::string>());
        }
    }
    return body.empty() ? std::string("(empty body)") : quotedExcerpt(body);
}

std::string statusHint(long status) {
    switch (status) {
        case 400: return " (bad request: does the server support logprobs and top_logprobs for this model?)";
        case 401: return " (unauthorised: check the API key in the spec's api_key_env variable)";
        case 403: return " (forbidden: the key may not use this model)";
        case 404: return " (not found: check base_url, which should end in /v1, and the model name)";
        default: return "";
    }
}

bool retryableStatus(long status) { return status == 408 || status == 409 || status == 429 || status >= 500; }

bool retryableTransport(CURLcode code) {
    switch (code) {
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_COULDNT_CONNECT:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
        case CURLE_COULDNT_RESOLVE_HOST: return true;
        default: return false;
    }
}

// Retry-After: delay-seconds or an HTTP-date (RFC 9110 10.2.3).
std::optional<double> retryAfterSeconds(const std::string &value) {
    if (value.empty()) return std::nullopt;
    char *end = nullptr;
    double seconds = std::strtod(value.c_str(), &end);
    if (end != value.c_str() && *end == '\0' && std::isfinite(seconds) && seconds >= 0) return seconds;
    time_t when = curl_getdate(value.c_str(), nullptr);
    if (when < 0) return std::nullopt;
    return std::max(0.0, std::difftime(when, std::time(nullptr)));
}

struct Transfer {
    std::size_t prompt = 0;
    std::string body;
    std::string retryAfter;
    bool tooLarge = false;
    std::string requestBody;
};

std::size_t onBody(char *data, std::size_t size, std::size_t count, void *user) {
    auto *t = static_cast<Transfer *>(user);
    std::size_t bytes = size * count;
    if (t->body.size() + bytes > kMaxResponseBytes) {
        t->tooLarge = true;
        return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    t->body.append(data, bytes);
    return bytes;
}

std::size_t onHeader(char *data, std::size_t size, std::size_t count, void *user) {
    auto *t = static_cast<Transfer *>(user);
    std::string_view line(data, size * count);
    constexpr std::string_view kName = "retry-after:";
    if (line.size() > kName.size()) {
        std::string lowered(line.substr(0, kName.size()));
        std::transform(lowered.begin(), lowered.end(), lowered.begin(), [](unsigned char c) { return std::tolower(c); });
        if (lowered == kName) {
            std::string_view value = line.substr(kName.size());
            while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
            while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
                value.remove_suffix(1);
            t->retryAfter = std::string(value);
        }
    }
    return size * count;
}

struct CurlMulti {
    CURLM *handle = curl_multi_init();
    ~CurlMulti() { curl_multi_cleanup(handle); }
};
struct CurlHeaders {
    curl_slist *list = nullptr;
    ~CurlHeaders() { curl_slist_free_all(list); }
    void add(const std::string &line) {
        curl_slist *next = curl_slist_append(list, line.c_str());
        if (!next) throw JudgeError("out of memory building HTTP headers");
        list = next;
    }
};

}  // namespace

std::string chatCompletionRequest(std::string_view model, std::string_view prompt, int topLogprobs) {
    json body = {{"model", model},
                 {"messages", json::array({{{"role", "user"}, {"content", prompt}}})},
                 {"max_tokens", 1},
                 {"temperature", 0},
                 {"logprobs", true},
                 {"top_logprobs", topLogprobs}};
    return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

JudgeDistribution parseChatCompletionLogprobs(std::string_view body) {
    if (body.size() > kMaxResponseBytes) malformed("the body", "is larger than " + std::to_string(kMaxResponseBytes) + " bytes");
    json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) malformed("the body", "is not JSON: " + quotedExcerpt(body));
    if (!parsed.is_object()) malformed("the body", "is not a JSON object");
    const json &choices = member(parsed, "choices", "response");
    if (!choices.is_array() || choices.empty()) malformed("response.choices", "is not a non-empty array");
    if (!choices[0].is_object()) malformed("response.choices[0]", "is not an object");
    const json &logprobs = member(choices[0], "logprobs", "choices[0]");
    if (!logprobs.is_object()) malformed("choices[0].logprobs", "is not an object");
    const json &content = member(logprobs, "content", "choices[0].logprobs");
    if (!content.is_array() || content.empty()) malformed("choices[0].logprobs.content", "is not a non-empty array");
    const json &first = content[0];
    if (!first.is_object()) malformed("choices[0].logprobs.content[0]", "is not an object");
    auto readEntry = [](const json &entry, const std::string &where) {
        if (!entry.is_object()) malformed(where, "is not an object");
        const json &token = member(entry, "token", where);
        const json &logprob = member(entry, "logprob", where);
        if (!token.is_string()) malformed(where + ".token", "is not a string");
        if (!logprob.is_number()) malformed(where + ".logprob", "is not a number");
        double lp = logprob.get<double>();
        // -inf (-9999 in OpenAI's responses) is probability 0; NaN or > 0 is no log-prob at all.
        if (std::isnan(lp) || lp > kLogprobSlack) malformed(where + ".logprob", "is not a log-probability (<= 0)");
        return JudgeAnswer{token.get<std::string>(), std::exp(std::min(lp, 0.0))};
    };
    JudgeDistribution out;
    auto top = first.find("top_logprobs");
    if (top != first.end() && !top->is_null()) {
        if (!top->is_array()) malformed("choices[0].logprobs.content[0].top_logprobs", "is not an array");
        if (top->size() > kMaxAlternatives)
            malformed("choices[0].logprobs.content[0].top_logprobs", "has more than " + std::to_string(kMaxAlternatives) + " entries");
        for (std::size_t i = 0; i < top->size(); ++i)
            out.push_back(readEntry((*top)[i], "choices[0].logprobs.content[0].top_logprobs[" + std::to_string(i) + "]"));
    }
    if (out.empty()) out.push_back(readEntry(first, "choices[0].logprobs.content[0]"));
    return out;
}

OpenAiJudge::OpenAiJudge(OpenAiJudgeSettings settings) : m_settings(std::move(settings)) {}

std::string OpenAiJudge::identity() const { return "openai " + m_settings.baseUrl + " " + m_settings.model; }

void OpenAiJudge::judge(const std::vector<std::string> &prompts, experiment::JudgeMode, const VerdictFn &onVerdict,
                        const common::CancelToken *cancel) {
    if (prompts.empty()) return;
    initCurlOnce();
    const OpenAiJudgeSettings &s = m_settings;
    const std::string url = s.baseUrl + "/chat/completions";
    const std::string who = "judge " + s.model + " at " + url;
    CurlHeaders headers;
    headers.add("Content-Type: application/json");
    if (!s.apiKey.empty()) headers.add("Authorization: Bearer " + s.apiKey);
    CurlMulti multi;
    if (!multi.handle) throw JudgeError(who + ": libcurl could not start");

    std::deque<std::size_t> ready;
    for (std::size_t i = 0; i < prompts.size(); ++i) ready.push_back(i);
    std::multimap<Clock::time_point, std::size_t> waiting;  // prompts to retry, by when
    std::vector<int> attempts(prompts.size(), 0);
    std::map<CURL *, std::unique_ptr<Transfer>> active;
    std::size_t delivered = 0;
    std::int64_t made = 0;  // requests of this call: the budget is per evaluation
    std::mt19937_64 jitter(std::random_device{}());

    auto release = [&] {
        for (auto &[easy, transfer] : active) {
            curl_multi_remove_handle(multi.handle, easy);
            curl_easy_cleanup(easy);
        }
        active.clear();
    };
    auto fail = [&](const std::string &reason) {
        release();
        throw JudgeError(who + ": " + reason + " (after " + std::to_string(delivered) + " of " +
                         std::to_string(prompts.size()) + " verdicts)");
    };
    auto start = [&](std::size_t prompt) {
        if (made >= s.maxRequests)
            fail("the request budget of " + std::to_string(s.maxRequests) + " requests (judge.max_requests) is spent");
        auto transfer = std::make_unique<Transfer>();
        transfer->prompt = prompt;
        transfer->requestBody = chatCompletionRequest(s.model, prompts[prompt], s.topLogprobs);
        CURL *easy = curl_easy_init();
        if (!easy) fail("libcurl could not start a request");
        curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.list);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, transfer->requestBody.c_str());
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(transfer->requestBody.size()));
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &onBody);
        curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
        curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &onHeader);
        curl_easy_setopt(easy, CURLOPT_HEADERDATA, transfer.get());
        curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(s.timeoutSeconds * 1000));
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");  // whatever libcurl can decode
        curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(easy, CURLOPT_USERAGENT, "inoculab-judge");
        curl_multi_add_handle(multi.handle, easy);
        active.emplace(easy, std::move(transfer));
        ++made;
        ++m_stats.requests;
        ++attempts[prompt];
    };
    auto retryLater = [&](std::size_t prompt, const std::string &why, std::optional<double> after) {
        if (attempts[prompt] > s.maxRetries)
            fail("gave up on a prompt after " + std::to_string(attempts[prompt]) + " attempts (judge.max_retries " +
                 std::to_string(s.maxRetries) + "); the last: " + why);
        double backoff = s.backoffSeconds * std::pow(2.0, attempts[prompt] - 1);
        backoff *= std::uniform_real_distribution<double>(0.75, 1.25)(jitter);
        double wait = std::min(after.value_or(backoff), s.maxBackoffSeconds);
        ++m_stats.retries;
        waiting.emplace(Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(wait)),
                        prompt);
    };
    auto finish = [&](CURL *easy, CURLcode code) {
        std::unique_ptr<Transfer> t = std::move(active.at(easy));
        active.erase(easy);
        long status = 0;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        curl_multi_remove_handle(multi.handle, easy);
        curl_easy_cleanup(easy);
        if (t->tooLarge) fail("a response was larger than " + std::to_string(kMaxResponseBytes) + " bytes");
        if (code != CURLE_OK) {
            std::string why = std::string(curl_easy_strerror(code));
            if (!retryableTransport(code)) fail(why);
            retryLater(t->prompt, why, std::nullopt);
            return;
        }
        if (status == 200) {
            JudgeDistribution distribution;
            try {
                distribution = parseChatCompletionLogprobs(t->body);
            } catch (const JudgeError &e) {
                fail(e.what());
            }
            ++delivered;
            onVerdict(t->prompt, std::move(distribution));
            return;
        }
        std::string why = "HTTP " + std::to_string(status) + statusHint(status) + ": " + serverReason(t->body);
        if (!retryableStatus(status)) fail(why);
        retryLater(t->prompt, why, retryAfterSeconds(t->retryAfter));
    };

    try {
        while (delivered < prompts.size()) {
            if (cancel && cancel->isCancelled()) {
                release();
                throw common::Cancelled();
            }
            Clock::time_point now = Clock::now();
            while (!waiting.empty() && waiting.begin()->first <= now) {
                ready.push_back(waiting.begin()->second);
                waiting.erase(waiting.begin());
            }
            while (!ready.empty() && active.size() < static_cast<std::size_t>(s.concurrency)) {
                start(ready.front());
                ready.pop_front();
            }
            int running = 0;
            curl_multi_perform(multi.handle, &running);
            int left = 0;
            while (CURLMsg *message = curl_multi_info_read(multi.handle, &left))
                if (message->msg == CURLMSG_DONE) finish(message->easy_handle, message->data.result);
            if (delivered == prompts.size()) break;
            // Wake for network activity, the next retry, or a cancel check, whichever is first.
            int waitMs = 100;
            if (!waiting.empty()) {
                auto until = std::chrono::duration_cast<std::chrono::milliseconds>(waiting.begin()->first - Clock::now());
                waitMs = static_cast<int>(std::clamp<std::int64_t>(until.count(), 0, waitMs));
            }
            // Nothing in flight: start the next prompts at once, or sleep until a retry is due.
            if (!active.empty())
                curl_multi_poll(multi.handle, nullptr, 0, waitMs, nullptr);
            else if (ready.empty() && waitMs > 0)
                std::this_thread::sleep_for(std::chrono::milliseconds(waitMs));
        }
    } catch (...) {
        release();
        throw;
    }
}

std::unique_ptr<JudgeBackend> makeOpenAiJudge(const experiment::JudgeSpec &spec) {
    OpenAiJudgeSettings s;
    s.baseUrl = spec.baseUrl;
    s.model = spec.model;
    if (!spec.apiKeyEnv.empty()) {
        const char *key = std::getenv(spec.apiKeyEnv.c_str());
        if (!key || !*key)
            throw JudgeError("judge " + spec.model + ": the environment variable " + spec.apiKeyEnv +
                             " (judge.api_key_env) is not set; export the API key in it");
        s.apiKey = key;
    }
    s.concurrency = spec.concurrency;
    s.maxRequests = spec.maxRequests;
    s.maxRetries = spec.maxRetries;
    s.timeoutSeconds = spec.timeoutSeconds;
    return std::make_unique<OpenAiJudge>(std::move(s));
}

}  // namespace inoculab::eval
