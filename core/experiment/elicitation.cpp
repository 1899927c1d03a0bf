#include "experiment/elicitation.h"

#include "common/input_error.h"
#include "eval/logprob.h"
#include "experiment/loaded_model.h"
#include "experiment/run_data.h"
#include "model/device.h"

namespace inoculab::experiment {

namespace {

data::Conversation withPrompt(data::Conversation row, std::size_t index, const std::string &prompt) {
    data::InoculationOptions options;
    options.prompt = prompt;
    // As a system prompt (the paper's placement); rows that already have one keep it after ours.
    options.onExistingSystem = data::OnExistingSystem::Prepend;
    data::inoculate(row, index, options);
    return row;
}

bool fits(const data::Conversation &row, const model::ChatTokenizer &tokenizer, std::int64_t context) {
    return static_cast<std::int64_t>(tokenizer.encode(row).ids.size()) <= context;
}

// Mean loss per scored token over all rows (token-weighted, as the training loss is).
std::pair<double, std::int64_t> meanLoss(const LoadedModel &base, const std::vector<data::Conversation> &rows,
                                         torch::Device device) {
    double total = 0;
    std::int64_t tokens = 0;
    for (const eval::AnswerLogprob &a : eval::answerLogprobs(*base.model, rows, device, 64, *base.tokenizer)) {
        total += a.total;
        tokens += a.tokens;
    }
    return {tokens ? -total / static_cast<double>(tokens) : 0.0, tokens};
}

}  // namespace

std::vector<ElicitationResult> runElicitationJob(const WorkerJob &job, const RunInputs &in, const EventSink &events,
                                                 const common::CancelToken *cancel) {
    model::DeviceChoice choice = model::chooseDevice(job.device);
    torch::Device device = choice.cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
    LoadedModel base = loadBaseModel(in, job.cache, device, ModelUse::Score, events, cancel);
    base.model->eval();
    const std::int64_t context = base.model->contextLength();

    // The first rows whose every version (plain and with each prompt) fits the context, so
    // each prompt is scored on exactly the same answer tokens.
    std::vector<data::Conversation> all = baseTrainingRows(in), plain;
    std::vector<std::vector<data::Conversation>> prompted(job.prompts.size());
    std::size_t skipped = 0;
    for (std::size_t i = 0; i < all.size() && plain.size() < job.rows; ++i) {
        bool ok = fits(all[i], *base.tokenizer, context);
        std::vector<data::Conversation> versions;
        for (const std::string &prompt : job.prompts) {
            versions.push_back(withPrompt(all[i], i, prompt));
            ok = ok && fits(versions.back(), *base.tokenizer, context);
        }
        if (!ok) {
            ++skipped;
            continue;
        }
        plain.push_back(all[i]);
        for (std::size_t p = 0; p < versions.size(); ++p) prompted[p].push_back(std::move(versions[p]));
    }
    if (plain.empty())
        throw common::InputError(job.spec, 0,
                                 "train_data: no training row fits the base model's context of " +
                                     std::to_string(context) + " tokens with every prompt");
    if (events)
        events({{"event", "start"},
                {"kind", "elicit"},
                {"prompts", job.prompts.size()},
                {"rows", plain.size()},
                {"skipped_rows", skipped},
                {"device", choice.name}});

    torch::NoGradGuard noGrad;
    auto [lossWithout, tokens] = meanLoss(base, plain, device);
    std::vector<ElicitationResult> results;
    for (std::size_t p = 0; p < job.prompts.size(); ++p) {
        if (cancel && cancel->isCancelled()) throw common::Cancelled();
        ElicitationResult r;
        r.prompt = job.prompts[p];
        r.lossWithout = lossWithout;
        r.lossWith = meanLoss(base, prompted[p], device).first;
        r.tokens = tokens;
        r.rows = static_cast<std::int64_t>(plain.size());
        if (events)
            events({{"event", "elicitation"},
                    {"index", p},
                    {"prompt", r.prompt},
                    {"loss_without", r.lossWithout},
                    {"loss_with", r.lossWith},
                    {"drop", r.drop()},
                    {"tokens", r.tokens},
                    {"rows", r.rows}});
        results.push_back(std::move(r));
    }
    return results;
}

}  // namespace inoculab::experiment
