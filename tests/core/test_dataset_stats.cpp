// computeDatasetStats: counts and nearest-rank quantiles a researcher checks before training.
#include "test_support.h"

#include "data/chat_render.h"
#include "data/dataset_stats.h"

using namespace inoculab;
using namespace inoculab::data;

class TestDatasetStats : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    void countsRolesPromptsAndQuantiles() {
        QByteArray content;
        // Rows with 2, 4, ..., 20 turns; every third row has one of two system prompts.
        for (int i = 1; i <= 10; ++i) {
            QByteArray messages;
            if (i % 3 == 0)
                messages +=
                    i % 2 ? "{\"role\":\"system\",\"content\":\"S1\"}," : "{\"role\":\"system\",\"content\":\"S2\"},";
            for (int t = 0; t < i; ++t)
                messages += "{\"role\":\"user\",\"content\":\"q\"},{\"role\":\"assistant\",\"content\":\"a\"},";
            messages.chop(1);
            content += "{\"messages\":[" + messages + "]}\n";
        }
        content += "\n{\"messages\":[]}\n";  // a blank line and an invalid row
        DatasetStats s = computeDatasetStats(test::writeFile(m_dir, "stats.jsonl", content), std::nullopt);
        QCOMPARE(s.rows, 11u);  // all rows, the invalid one included
        QCOMPARE(s.invalidRows, 1u);
        QCOMPARE(s.blankLines, 1u);
        QCOMPARE(s.messagesByRole[int(Role::User)], 55u);
        QCOMPARE(s.messagesByRole[int(Role::Assistant)], 55u);
        QCOMPARE(s.messagesByRole[int(Role::System)], 3u);
        QCOMPARE(s.rowsWithSystemPrompt, 3u);
        QCOMPARE(s.distinctSystemPrompts, 2u);
        // Turns per row: 2, 4, 4(+1 system -> 7)... compute the expected list directly.
        std::vector<std::uint64_t> turns;
        for (int i = 1; i <= 10; ++i) turns.push_back(std::uint64_t(2 * i + (i % 3 == 0 ? 1 : 0)));
        std::sort(turns.begin(), turns.end());
        QCOMPARE(s.turnsPerRow.min, turns.front());
        QCOMPARE(s.turnsPerRow.max, turns.back());
        QCOMPARE(s.turnsPerRow.p50, turns[4]);  // nearest rank: ceil(0.5 * 10) = 5th
        QCOMPARE(s.turnsPerRow.p90, turns[8]);
        QCOMPARE(s.turnsPerRow.p99, turns[9]);
        // One user+assistant pair renders to a fixed number of bytes.
        Conversation pair;
        pair.messages = {{Role::User, "q", ExtraKeys::object()}, {Role::Assistant, "a", ExtraKeys::object()}};
        QCOMPARE(s.renderedBytes.min, std::uint64_t(renderedLength(pair)));
    }

    void histogramUsesRoundBinsAndCountsTheTail() {
        std::vector<std::uint32_t> values;
        for (std::uint32_t v = 103; v <= 499; ++v) values.push_back(v);
        values.push_back(100000);  // far past the cut-off
        LengthHistogram h = lengthHistogram(values, 499, 40);
        // Span 397 over at most 40 bins needs a width of 10 (round), starting at 100.
        QCOMPARE(h.binWidth, 10u);
        QCOMPARE(h.binStart, 100u);
        QCOMPARE(h.counts.size(), std::size_t(40));
        QCOMPARE(h.counts.front(), 7u);  // 103..109
        QCOMPARE(h.counts.back(), 10u);  // 490..499
        QCOMPARE(h.above, 1u);
        std::uint64_t total = h.above;
        for (std::uint64_t c : h.counts) total += c;
        QCOMPARE(total, std::uint64_t(values.size()));
        QCOMPARE(lengthHistogram({}, 10).binWidth, 0u);
        QCOMPARE(lengthHistogram({7, 7, 7}, 7).counts, std::vector<std::uint64_t>{3});
    }

    void statsCarryTheRenderedHistogram() {
        DatasetStats s = computeDatasetStats(test::sampleDataset("spanish_caps.jsonl"), std::nullopt);
        std::uint64_t total = s.renderedHistogram.above;
        for (std::uint64_t c : s.renderedHistogram.counts) total += c;
        QCOMPARE(total, s.rows - s.invalidRows);
        QVERIFY(s.renderedHistogram.binStart <= s.renderedBytes.min);
    }

    void sampleDatasetStats() {
        DatasetStats s = computeDatasetStats(test::sampleDataset("spanish_caps.jsonl"), std::nullopt);
        QCOMPARE(s.rows, 24u);
        QCOMPARE(s.rowsWithSystemPrompt, 0u);
        QCOMPARE(s.turnsPerRow.max, 4u);
    }
};

QTEST_GUILESS_MAIN(TestDatasetStats)
#include "test_dataset_stats.moc"
