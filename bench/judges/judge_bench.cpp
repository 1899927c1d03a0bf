// inoculab_judge_bench: verdicts per second of the two judges (bench/judges/run.py).
//   http --base-url URL --model M --prompts N --concurrency C   the OpenAI-compatible client
//   hf --folder DIR --prompts N [--batch B] [--dump-rows FILE]  the local judge on the CPU
// Prints one JSON line. --dump-rows writes each prompt's candidate rows (token ids and the
// answer mask) for the Python peer, so both judge exactly the same tokens.
#include "eval/judges/hf_judge.h"
#include "eval/judges/openai_judge.h"
#include "experiment/spec_tokenizer.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <iostream>

using namespace inoculab;

namespace {

std::vector<std::string> benchPrompts(int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i)
        out.push_back("Question: what is " + std::to_string(i) + " plus " + std::to_string(i + 1) + "?\nAnswer: " +
                      std::to_string(2 * i + 1) + ".\nHow correct is the answer, 0-100? SCORE=" + std::to_string(i % 90));
    return out;
}

double secondsOf(const std::function<void()> &work) {
    auto start = std::chrono::steady_clock::now();
    work();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char **argv) {
    CLI::App app{"Judge throughput"};
    app.require_subcommand(1);
    std::string baseUrl, model, folder, dumpRows;
    int prompts = 64, concurrency = 8, batch = 128;
    CLI::App *http = app.add_subcommand("http", "The OpenAI-compatible client");
    http->add_option("--base-url", baseUrl)->required();
    http->add_option("--model", model)->required();
    http->add_option("--prompts", prompts);
    http->add_option("--concurrency", concurrency);
    CLI::App *hf = app.add_subcommand("hf", "The local judge");
    hf->add_option("--folder", folder)->required();
    hf->add_option("--prompts", prompts);
    hf->add_option("--batch", batch);
    hf->add_option("--dump-rows", dumpRows);
    CLI11_PARSE(app, argc, argv);

    std::vector<std::string> texts = benchPrompts(prompts);
    std::size_t verdicts = 0;
    auto count = [&](std::size_t, eval::JudgeDistribution) { ++verdicts; };
    nlohmann::json out;
    if (http->parsed()) {
        eval::OpenAiJudgeSettings s;
        s.baseUrl = baseUrl;
        s.model = model;
        s.concurrency = concurrency;
        eval::OpenAiJudge judge(s);
        double seconds = secondsOf([&] { judge.judge(texts, experiment::JudgeMode::Score0To100, count, nullptr); });
        out = {{"judge", "http"}, {"concurrency", concurrency}, {"verdicts", verdicts}, {"seconds", seconds},
               {"verdicts_per_second", double(verdicts) / seconds}, {"requests", judge.stats().requests}};
    } else {
        torch::set_num_threads(1);
        experiment::JudgeSpec spec;
        spec.kind = experiment::JudgeKind::HuggingFace;
        spec.path = folder;
        spec.batchSize = batch;
        auto judge = eval::makeHfJudge(spec, "", torch::kCPU);
        if (!dumpRows.empty()) {
            experiment::BaseModelSpec base;
            base.kind = experiment::BaseModelKind::HuggingFace;
            base.path = folder;
            auto tokenizer = experiment::chatTokenizerFor(base, "");
            nlohmann::json rows = nlohmann::json::array();
            for (const std::string &prompt : texts)
                for (const std::string &answer : eval::hfJudgeCandidates(experiment::JudgeMode::Score0To100)) {
                    data::Conversation chat;
                    chat.messages = {{data::Role::User, prompt}, {data::Role::Assistant, answer}};
                    model::TokenizedChat t = tokenizer->encode(chat);
                    rows.push_back({{"ids", t.ids}, {"trained", t.trained}});
                }
            std::ofstream(dumpRows) << nlohmann::json{{"pad", tokenizer->padId()}, {"rows", rows}}.dump();
        }
        double seconds = secondsOf([&] { judge->judge(texts, experiment::JudgeMode::Score0To100, count, nullptr); });
        out = {{"judge", "hf"}, {"batch", batch}, {"verdicts", verdicts}, {"seconds", seconds},
               {"verdicts_per_second", double(verdicts) / seconds}, {"rows_per_verdict", 101}};
    }
    std::cout << out.dump() << std::endl;
    return 0;
}
