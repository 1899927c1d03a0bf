// The GPU memory estimate (train/memory_estimate.h) against figures worked out by hand for
// GPT-2-124M and Qwen2-0.5B shapes, full finetuning and LoRA, with and without gradient
// checkpointing and fused attention; and the rows per forward pass chosen, refused or warned
// about against made-up free-memory figures (the seam a machine without a GPU is tested
// through). Integers throughout: every figure is exact.
#include "test_support.h"

#include "train/memory_estimate.h"

using namespace inoculab;
using train::MemorySettings;
using train::TransformerShape;

namespace {

constexpr std::int64_t GiB = std::int64_t(1) << 30;

// GPT-2 (124M): 124,439,808 weights = wte 50257 x 768 + wpe 1024 x 768 + 12 x 7,087,872 per
// block + ln_f 1536.
TransformerShape gpt2() { return {124'439'808, 12, 768, 3072, 12, 12, 64, 50257, /*gatedMlp=*/false}; }
// Qwen2-0.5B: 494,032,768 weights (tied embeddings), 14 query heads and 2 key/value heads of 64.
TransformerShape qwen2() { return {494'032'768, 24, 896, 4864, 14, 2, 64, 151936, /*gatedMlp=*/true}; }

}  // namespace

class TestMemoryEstimate : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void gpt2FullFinetuning() {
        // 8 rows of 1024 tokens, fused attention, no checkpointing.
        MemorySettings s{124'439'808, false, 8, 1024, false, true};
        // Per token per block: 8 x 768 (two fp32 norm inputs) + 2 x (2 x 768 norm outputs + 2 x 768
        // q and attention output + 2 x 768 k, v + 2 x 3072 fc and gelu) + 4 x 12 log-sum-exp
        // = 6144 + 21504 + 48.
        QCOMPARE(train::activationBytesPerTokenPerLayer(gpt2(), s), std::int64_t(27'696));
        train::MemoryEstimate e = train::estimateTrainingMemory(gpt2(), s);
        QCOMPARE(e.weights, std::int64_t(497'759'232));     // 4 x P
        QCOMPARE(e.gradients, std::int64_t(497'759'232));   // 4 x P
        QCOMPARE(e.optimizer, std::int64_t(995'518'464));   // 8 x P
        QCOMPARE(e.activations, std::int64_t(2'722'627'584));  // 8192 tokens x 27,696 x 12
        QCOMPARE(e.logits, std::int64_t(4'117'053'440));    // 8192 x 50257 x (2 + 4 + 4)
        QCOMPARE(e.overhead, GiB);
        QCOMPARE(e.total(), std::int64_t(9'904'459'776));   // 9.22 GiB

        // libtorch 1.13's explicit attention keeps the fp32 softmax, 12 heads x 1024 keys per
        // token; with checkpointing only each block's fp32 input (4 x 768) plus one block.
        MemorySettings explicitCheckpointed{124'439'808, false, 2, 1024, true, false};
        QCOMPARE(train::activationBytesPerTokenPerLayer(gpt2(), explicitCheckpointed), std::int64_t(76'800));
        e = train::estimateTrainingMemory(gpt2(), explicitCheckpointed);
        QCOMPARE(e.activations, std::int64_t(232'783'872));  // 2048 x (4 x 768 x 12 + 76,800)
        QCOMPARE(e.logits, std::int64_t(1'029'263'360));
        QCOMPARE(e.total(), std::int64_t(4'326'825'984));
    }

    void qwen2LoraAndFull() {
        // LoRA rank 8 on all seven projections: 24 x 183,296 = 4,399,104 adapter weights
        // (q, o: 8 x (896 + 896); k, v: 8 x (896 + 128); gate, up, down: 8 x (896 + 4864)).
        // 4 rows of 2048, checkpointed, fused.
        MemorySettings lora{4'399'104, true, 4, 2048, true, true};
        // 8 x 896 + 2 x (2 x 896 + 2 x 896 + 2 x 128 + 4 x 4864) + 4 x 14 = 7168 + 46592 + 56.
        QCOMPARE(train::activationBytesPerTokenPerLayer(qwen2(), lora), std::int64_t(53'816));
        train::MemoryEstimate e = train::estimateTrainingMemory(qwen2(), lora);
        QCOMPARE(e.weights, std::int64_t(1'005'661'952));  // bf16 base 2 x P + fp32 adapters
        QCOMPARE(e.gradients, std::int64_t(17'596'416));
        QCOMPARE(e.optimizer, std::int64_t(35'192'832));
        QCOMPARE(e.activations, std::int64_t(1'145'503'744));  // 8192 x (4 x 896 x 24 + 53,816)
        QCOMPARE(e.logits, std::int64_t(12'446'597'120));      // 8192 x 151936 x 10
        QCOMPARE(e.total(), std::int64_t(15'724'293'888));

        MemorySettings full{494'032'768, false, 1, 2048, false, true};
        e = train::estimateTrainingMemory(qwen2(), full);
        QCOMPARE(e.weights + e.gradients + e.optimizer, std::int64_t(16) * 494'032'768);
        QCOMPARE(e.activations, std::int64_t(2'645'164'032));  // 2048 x 53,816 x 24
        QCOMPARE(e.total(), std::int64_t(14'735'079'424));      // 13.72 GiB
    }

    void rowsPerForwardAgainstFreeMemory() {
        // Qwen2-0.5B in full, batch 16 of 2048 tokens: 8.36 GiB fixed + 5.36 GiB per row.
        MemorySettings full{494'032'768, false, 0, 2048, false, true};
        // 80 GiB free: below 90% (72 GiB) fit 11 rows, not 16.
        train::RowsPerForwardChoice chosen = train::chooseRowsPerForward(qwen2(), full, std::nullopt, 16, 80 * GiB);
        QCOMPARE(chosen.rows, std::int64_t(11));
        QVERIFY2(chosen.note.find("rows_per_forward 11 of the batch's 16") != std::string::npos, chosen.note.c_str());
        full.rowsPerForward = 11;
        QCOMPARE(chosen.estimate.total(), train::estimateTrainingMemory(qwen2(), full).total());
        // Asked for 16: refused, naming what would fit; 8 fits without a word.
        try {
            train::chooseRowsPerForward(qwen2(), full, 16, 16, 80 * GiB);
            QFAIL("16 rows should not fit");
        } catch (const train::GpuMemoryError &e) {
            QVERIFY2(std::string(e.what()).find("more than the GPU's 80.0 GiB free; training.rows_per_forward 11 would fit") !=
                         std::string::npos,
                     e.what());
        }
        chosen = train::chooseRowsPerForward(qwen2(), full, 8, 16, 80 * GiB);
        QCOMPARE(chosen.rows, std::int64_t(8));
        QVERIFY(chosen.note.empty());
        // 14.5 GiB free: one row (13.72 GiB) fits, but above 90%: a warning.
        chosen = train::chooseRowsPerForward(qwen2(), full, 1, 16, 14 * GiB + GiB / 2);
        QCOMPARE(chosen.rows, std::int64_t(1));
        QVERIFY2(chosen.note.find("close to the GPU's 14.5 GiB free") != std::string::npos, chosen.note.c_str());
        // 14 GiB: not one row; checkpointed, one row needs 11.53 GiB and fits.
        try {
            train::chooseRowsPerForward(qwen2(), full, std::nullopt, 16, 14 * GiB);
            QFAIL("one row should not fit");
        } catch (const train::GpuMemoryError &e) {
            QVERIFY2(std::string(e.what()).find("training.gradient_checkpointing with training.rows_per_forward 1 would fit") !=
                         std::string::npos,
                     e.what());
        }
        // 10 GiB: nothing fits, said as such.
        train::MemoryVerdict v = train::judgeTrainingMemory(qwen2(), full, 16, 10 * GiB);
        QCOMPARE(v.fit, train::MemoryFit::DoesNotFit);
        QCOMPARE(v.largestRowsPerForward, std::int64_t(0));
        QVERIFY(!v.fitsWithCheckpointing);
        QVERIFY2(v.message.find("not even one row fits") != std::string::npos, v.message.c_str());
        QVERIFY(v.message.find("LoRA") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestMemoryEstimate)
#include "test_memory_estimate.moc"
