// The OpenAI-compatible judge against a local server (tests/support/fake_chat_server.py) that
// speaks the documented chat-completions response: the request the papers make, the
// distribution read from top_logprobs, retries that honour Retry-After on 429 and back off on
// 500 and timeouts, an immediate stop naming the cause on 401, 404, malformed JSON and missing
// log-probs, the retry limit, the request budget, bounded concurrency, cancelling, and the key
// sent only in its header. The response parser's bounds are checked here and fuzzed
// (tests/fuzz/fuzz_chat_completion.cpp).
#include "test_support.h"

#include "common/input_error.h"
#include "eval/judges/openai_judge.h"
#include "fake_chat_server.h"

#include <QElapsedTimer>

#include <cmath>
#include <cstdlib>

using namespace inoculab;
using namespace inoculab::eval;
using experiment::JudgeMode;

namespace {

constexpr const char *kKey = "sk-test-5f1e0c3a9b7d";

OpenAiJudgeSettings settingsFor(const test::FakeChatServer &server, const std::string &model) {
    OpenAiJudgeSettings s;
    s.baseUrl = server.baseUrl();
    s.model = model;
    s.apiKey = kKey;
    s.backoffSeconds = 0.05;  // the tests' retries should not take seconds
    s.timeoutSeconds = 10;
    return s;
}

std::vector<std::string> scorePrompts(int n) {
    std::vector<std::string> prompts;
    for (int i = 0; i < n; ++i) prompts.push_back("Rate this. SCORE=" + std::to_string(i * 5));
    return prompts;
}

struct Collected {
    std::vector<std::optional<JudgeDistribution>> verdicts;
    VerdictFn fn() {
        return [this](std::size_t i, JudgeDistribution d) {
            if (verdicts.size() <= i) verdicts.resize(i + 1);
            verdicts[i] = std::move(d);
        };
    }
};

std::string errorOf(OpenAiJudge &judge, const std::vector<std::string> &prompts) {
    Collected c;
    try {
        judge.judge(prompts, JudgeMode::Score0To100, c.fn(), nullptr);
    } catch (const JudgeError &e) {
        return e.what();
    }
    return {};
}

// The fake server's verdict for SCORE=n: n (1/2), min(n + 10, 100) (1/4), " n" (1/8), a word (1/8).
double expectedScore(int n) { return (0.5 * n + 0.25 * std::min(n + 10, 100) + 0.125 * n) / 0.875; }

}  // namespace

class TestOpenAiJudge : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parsesTheDocumentedResponse() {
        const std::string body = inoculab::test::jsonText("{'choices':[{'index':0,'message':{'role':'assistant','content':'7'},            'logprobs':{'content':[{'token':'7','logprob':-0.5,'bytes':[55],              'top_logprobs':[{'token':'7','logprob':-0.5},{'token':' 8','logprob':-1.5},{'token':'x','logprob':-9999}]}]}}]}");
        JudgeDistribution d = parseChatCompletionLogprobs(body);
        QCOMPARE(d.size(), std::size_t(3));
        QCOMPARE(d[0].text, std::string("7"));
        QCOMPARE(d[0].probability, std::exp(-0.5));
        QCOMPARE(d[1].text, std::string(" 8"));
        QCOMPARE(d[2].probability, std::exp(-9999.0));  // 0: OpenAI's way of writing -inf
        // Without alternatives, the answer token itself.
        d = parseChatCompletionLogprobs(inoculab::test::jsonText("{'choices':[{'logprobs':{'content':[{'token':'42','logprob':0}]}}]}"));
        QCOMPARE(d.size(), std::size_t(1));
        QCOMPARE(d[0].probability, 1.0);
    }

    void refusesWhatIsNotAResponseNamingTheField() {
        struct Case {
            std::string body;
            const char *names;
        };
        const Case cases[] = {
            {"{not json", "not JSON"},
            {"[]", "not a JSON object"},
            {inoculab::test::jsonText("{'choices':[]}"), "response.choices"},
            {inoculab::test::jsonText("{'choices':[{'logprobs':null}]}"), "choices[0].logprobs is missing"},
            {inoculab::test::jsonText("{'choices':[{'logprobs':{'content':[]}}]}"), "choices[0].logprobs.content"},
            {inoculab::test::jsonText("{'choices':[{'logprobs':{'content':[{'token':'1','logprob':-1,'top_logprobs':[{'token':'1'}]}]}}]}"),
             "top_logprobs[0].logprob is missing"},
            {inoculab::test::jsonText("{'choices':[{'logprobs':{'content':[{'token':'1','logprob':-1,'top_logprobs':[{'token':1,'logprob':-1}]}]}}]}"),
             "top_logprobs[0].token is not a string"},
            {inoculab::test::jsonText("{'choices':[{'logprobs':{'content':[{'token':'1','logprob':0.5}]}}]}"), "not a log-probability"},
        };
        for (const Case &c : cases) {
            std::string message;
            try {
                parseChatCompletionLogprobs(c.body);
            } catch (const JudgeError &e) {
                message = e.what();
            }
            QVERIFY2(message.find(c.names) != std::string::npos, (c.body + " -> " + message).c_str());
        }
        std::string huge(kMaxResponseBytes + 1, ' ');
        QVERIFY_THROWS_EXCEPTION(JudgeError, parseChatCompletionLogprobs(huge));
    }

    void asksAsThePapersAndReadsTheVerdicts() {
        test::FakeChatServer server;
        OpenAiJudge judge(settingsFor(server, "judge"));
        QCOMPARE(judge.identity(), "openai " + server.baseUrl() + " judge");
        Collected c;
        std::vector<std::string> prompts = scorePrompts(20);
        judge.judge(prompts, JudgeMode::Score0To100, c.fn(), nullptr);
        QCOMPARE(c.verdicts.size(), prompts.size());
        for (int i = 0; i < 20; ++i) {
            JudgeScore s = judgeScore(*c.verdicts[i], JudgeMode::Score0To100, 0.25);
            // exp(log p) is p to a few ulp: the score is a ratio of sums of 4 such terms.
            QVERIFY(std::abs(s.mass - 0.875) < 1e-14);
            QVERIFY2(std::abs(*s.score - expectedScore(i * 5)) < 1e-12, std::to_string(*s.score).c_str());
        }
        nlohmann::json stats = server.stats();
        QCOMPARE(stats["requests"].get<int>(), 20);
        QVERIFY(stats["authorization"] == nlohmann::json::array({std::string("Bearer ") + kKey}));
        for (const nlohmann::json &body : stats["bodies"]) {
            QCOMPARE(body["max_tokens"].get<int>(), 1);
            QCOMPARE(body["temperature"].get<int>(), 0);
            QCOMPARE(body["logprobs"].get<bool>(), true);
            QCOMPARE(body["top_logprobs"].get<int>(), 20);
            QCOMPARE(body["model"].get<std::string>(), std::string("judge"));
        }
        QCOMPARE(judge.stats().requests, std::int64_t(20));
        QCOMPARE(judge.stats().retries, std::int64_t(0));
    }

    void honoursRetryAfterOn429() {
        test::FakeChatServer server({"--retry-after", "1"});
        OpenAiJudge judge(settingsFor(server, "flaky-429"));
        Collected c;
        QElapsedTimer timer;
        timer.start();
        judge.judge(scorePrompts(3), JudgeMode::Score0To100, c.fn(), nullptr);
        // The backoff alone would wait 0.05 s; the server asked for 1 s.
        QVERIFY2(timer.elapsed() >= 1000, std::to_string(timer.elapsed()).c_str());
        QCOMPARE(server.stats()["requests"].get<int>(), 6);
        QCOMPARE(judge.stats().retries, std::int64_t(3));
        QCOMPARE(c.verdicts.size(), std::size_t(3));
    }

    void retriesServerErrorsAndTimeouts() {
        // A 2 s timeout against an 8 s first answer: far apart, so a loaded machine's ordinary
        // answer (milliseconds) is never taken for a timeout.
        test::FakeChatServer server({"--slow-seconds", "8"});
        for (const char *model : {"flaky-500", "slow"}) {
            server.reset();
            OpenAiJudgeSettings s = settingsFor(server, model);
            s.timeoutSeconds = 2;
            OpenAiJudge judge(s);
            Collected c;
            QElapsedTimer timer;
            timer.start();
            judge.judge(scorePrompts(4), JudgeMode::Score0To100, c.fn(), nullptr);
            QCOMPARE(c.verdicts.size(), std::size_t(4));
            for (const auto &v : c.verdicts) QVERIFY(v);
            QCOMPARE(server.stats()["requests"].get<int>(), 8);
            QVERIFY(timer.elapsed() < 8000);  // the slow answers were not waited for
        }
    }

    void stopsAtOnceOnARefusalNamingTheCause() {
        test::FakeChatServer server;
        struct Case {
            const char *model, *names;
        };
        for (const Case &c : {Case{"unauthorized", "HTTP 401"}, Case{"missing", "HTTP 404"},
                              Case{"malformed", "not JSON"}, Case{"no-logprobs", "logprobs is missing"}}) {
            server.reset();
            OpenAiJudgeSettings s = settingsFor(server, c.model);
            s.concurrency = 1;
            OpenAiJudge judge(s);
            std::string message = errorOf(judge, scorePrompts(5));
            QVERIFY2(message.find(c.names) != std::string::npos, message.c_str());
            QVERIFY2(message.find(c.model) != std::string::npos, message.c_str());  // names the judge
            QVERIFY(message.find(kKey) == std::string::npos);
            QCOMPARE(server.stats()["requests"].get<int>(), 1);  // no retries, no further prompts
        }
        server.reset();
        OpenAiJudge unauthorized(settingsFor(server, "unauthorized"));
        QVERIFY(errorOf(unauthorized, scorePrompts(1)).find("Incorrect API key provided") != std::string::npos);
    }

    void givesUpAfterMaxRetries() {
        test::FakeChatServer server;
        OpenAiJudgeSettings s = settingsFor(server, "always-500");
        s.maxRetries = 2;
        s.concurrency = 1;
        OpenAiJudge judge(s);
        std::string message = errorOf(judge, scorePrompts(1));
        QVERIFY2(message.find("gave up") != std::string::npos && message.find("HTTP 500") != std::string::npos,
                 message.c_str());
        QCOMPARE(server.stats()["requests"].get<int>(), 3);
    }

    void keepsToTheRequestBudget() {
        test::FakeChatServer server;
        OpenAiJudgeSettings s = settingsFor(server, "judge");
        s.maxRequests = 3;
        s.concurrency = 1;
        OpenAiJudge judge(s);
        Collected c;
        std::string message;
        try {
            judge.judge(scorePrompts(5), JudgeMode::Score0To100, c.fn(), nullptr);
        } catch (const JudgeError &e) {
            message = e.what();
        }
        QVERIFY2(message.find("judge.max_requests") != std::string::npos, message.c_str());
        QCOMPARE(c.verdicts.size(), std::size_t(3));  // the three it could pay for were delivered
        QCOMPARE(server.stats()["requests"].get<int>(), 3);
        // The budget is per evaluation (per call): the next one may spend it again.
        Collected next;
        judge.judge(scorePrompts(2), JudgeMode::Score0To100, next.fn(), nullptr);
        QCOMPARE(next.verdicts.size(), std::size_t(2));
    }

    void keepsToItsConcurrency() {
        // Each answer takes 150 ms, so requests overlap whenever the client lets them.
        test::FakeChatServer server({"--delay-ms", "150"});
        for (int concurrency : {1, 8}) {
            server.reset();
            OpenAiJudgeSettings s = settingsFor(server, "judge");
            s.concurrency = concurrency;
            OpenAiJudge judge(s);
            Collected c;
            judge.judge(scorePrompts(24), JudgeMode::Score0To100, c.fn(), nullptr);
            int most = server.stats()["max_in_flight"].get<int>();
            QVERIFY2(most <= concurrency, std::to_string(most).c_str());
            if (concurrency == 8) QVERIFY2(most >= 4, std::to_string(most).c_str());
        }
    }

    void cancelStopsBeforeAsking() {
        test::FakeChatServer server;
        OpenAiJudge judge(settingsFor(server, "judge"));
        common::CancelToken cancel;
        cancel.cancel();
        Collected c;
        QVERIFY_THROWS_EXCEPTION(common::Cancelled, judge.judge(scorePrompts(3), JudgeMode::Score0To100, c.fn(), &cancel));
        QCOMPARE(server.stats()["requests"].get<int>(), 0);
    }

    void theKeyComesFromTheNamedVariable() {
        experiment::JudgeSpec spec;
        spec.baseUrl = "http://127.0.0.1:9/v1";
        spec.model = "m";
        spec.apiKeyEnv = "INOCULAB_TEST_UNSET_KEY";
        ::unsetenv("INOCULAB_TEST_UNSET_KEY");
        try {
            makeOpenAiJudge(spec);
            QFAIL("a missing key variable was accepted");
        } catch (const JudgeError &e) {
            QVERIFY(std::string(e.what()).find("INOCULAB_TEST_UNSET_KEY") != std::string::npos);
        }
        ::setenv("INOCULAB_TEST_UNSET_KEY", kKey, 1);
        QVERIFY(makeOpenAiJudge(spec)->identity().find(kKey) == std::string::npos);
        ::unsetenv("INOCULAB_TEST_UNSET_KEY");
    }
};

QTEST_GUILESS_MAIN(TestOpenAiJudge)
#include "test_openai_judge.moc"
