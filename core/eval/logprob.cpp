#include "eval/logprob.h"

#include "model/precision.h"
#include "model/torch_compat.h"
#include "train/trainer.h"

namespace inoculab::eval {

std::vector<AnswerLogprob> answerLogprobs(model::CausalLmImpl &model, const std::vector<data::Conversation> &chats,
                                          torch::Device device, std::int64_t batchSize,
                                          const model::ChatTokenizer &tokenizer) {
    // Rows are tokenized exactly as for training, so a probe scores what training would see.
    train::TokenizedDataset data = train::tokenizeConversations(chats, model.contextLength(), tokenizer);
    if (data.rows.size() != chats.size())
        throw std::invalid_argument("a probe or check row has no answer tokens within the model's context");
    return answerLogprobs(model, data, device, batchSize);
}

std::vector<AnswerLogprob> answerLogprobs(model::CausalLmImpl &model, const train::TokenizedDataset &data,
                                          torch::Device device, std::int64_t batchSize) {
    torch::NoGradGuard noGrad;
    model.eval();
    model::compat::CudaAutocast autocast(device.is_cuda());
    const std::size_t rows = data.rows.size();
    std::vector<AnswerLogprob> out(rows);
    // The log-probabilities of a forward pass are [rows, tokens, vocabulary] floats, twice over
    // (logits and log-softmax): with a real vocabulary (151,936 for Qwen) 64 rows of 200 tokens
    // would be 2 x 7.8 GB. A forward takes fewer rows when that would pass kLogitElements.
    constexpr std::int64_t kLogitElements = std::int64_t(1) << 27;  // 512 MiB of float32
    const std::int64_t vocab = std::max<std::int64_t>(1, model.vocabSize());
    for (std::size_t first = 0, last = 0; first < rows; first = last) {
        last = std::min(rows, first + static_cast<std::size_t>(batchSize));
        std::int64_t longest = 0;
        for (std::size_t r = first; r < last; ++r) {
            const std::int64_t length = std::max<std::int64_t>(longest, data.rows[r].ids.size());
            if (r > first && static_cast<std::int64_t>(r - first + 1) * length * vocab > kLogitElements) {
                last = r;  // row r starts the next forward
                break;
            }
            longest = length;
        }
        const std::int64_t b = static_cast<std::int64_t>(last - first), t = longest - 1;
        // Filled as plain arrays: an element-wise tensor write costs a dispatcher call, which
        // made the index building most of a small model's time (a judge scores 101 rows a verdict).
        std::vector<std::int64_t> inputIds(static_cast<std::size_t>(b * t), data.padId), targetIds(inputIds.size(), 0);
        std::vector<double> maskValues(inputIds.size(), 0.0);
        for (std::int64_t i = 0; i < b; ++i) {
            const model::TokenizedChat &row = data.rows[first + i];
            for (std::size_t j = 0; j + 1 < row.ids.size(); ++j) {
                std::size_t at = static_cast<std::size_t>(i * t) + j;
                inputIds[at] = row.ids[j];
                targetIds[at] = row.ids[j + 1];
                maskValues[at] = row.trained[j + 1] ? 1.0 : 0.0;
            }
        }
        torch::Tensor inputs = torch::from_blob(inputIds.data(), {b, t}, torch::kLong);
        torch::Tensor targets = torch::from_blob(targetIds.data(), {b, t}, torch::kLong);
        torch::Tensor mask = torch::from_blob(maskValues.data(), {b, t}, torch::kDouble);
        torch::Tensor logp = torch::log_softmax(model::atLeastFloat(model.forward(inputs.to(device))), -1);
        torch::Tensor picked = logp.gather(2, targets.to(device).unsqueeze(2)).squeeze(2).cpu();  // [B, T]
        // The sum over a row in double: a 2,000-token answer summed in float loses ~1e-4 of a nat.
        torch::Tensor sums = (picked.to(torch::kDouble) * mask).sum(1), counts = mask.sum(1);
        for (std::int64_t i = 0; i < b; ++i)
            out[first + i] = {sums[i].item<double>(), static_cast<std::int64_t>(counts[i].item<double>())};
    }
    return out;
}

}  // namespace inoculab::eval
