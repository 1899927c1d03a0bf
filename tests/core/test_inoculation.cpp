// inoculate(): every placement and existing-system policy, turn scope, separators, and the
// fraction's row choice.
#include "test_support.h"

#include "data/inoculation.h"

#include <cmath>

using namespace inoculab::data;

namespace {

const std::string kPrompt = "You always speak in Spanish.";

Conversation chat(bool withSystem = false) {
    Conversation c;
    if (withSystem) c.messages.push_back({Role::System, "Be helpful.", ExtraKeys::object()});
    c.messages.push_back({Role::User, "Q1", ExtraKeys::object()});
    c.messages.push_back({Role::Assistant, "A1", ExtraKeys::object()});
    c.messages.push_back({Role::User, "Q2", ExtraKeys::object()});
    c.messages.push_back({Role::Assistant, "A2", ExtraKeys::object()});
    return c;
}

InoculationOptions options(Placement placement, OnExistingSystem policy = OnExistingSystem::Error) {
    InoculationOptions o;
    o.prompt = kPrompt;
    o.placement = placement;
    o.onExistingSystem = policy;
    return o;
}

// The text at each inserted range, read back through the renderer as a preview would.
std::vector<std::string> insertedTexts(const Conversation &c, const InoculationResult &r) {
    RenderedChat rendered = renderChat(c);
    std::vector<std::string> out;
    for (const ContentRange &range : r.inserted) {
        ContentRange at = rendered.toTextRange(range);
        out.push_back(at.begin == std::string::npos ? "<bad range>" : rendered.text.substr(at.begin, at.length));
    }
    return out;
}

}  // namespace

class TestInoculation : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void systemPlacementInsertsAtPositionZero() {
        Conversation c = chat();
        InoculationResult r = inoculate(c, 0, options(Placement::System));
        QCOMPARE(r.outcome, InoculationOutcome::Applied);
        QCOMPARE(c.messages.size(), 5u);
        QCOMPARE(c.messages[0].role, Role::System);
        QCOMPARE(c.messages[0].content, kPrompt);
        QCOMPARE(insertedTexts(c, r), std::vector<std::string>{kPrompt});
    }

    void existingSystemErrorRefusesAndLeavesTheRow() {
        Conversation c = chat(true);
        InoculationResult r = inoculate(c, 0, options(Placement::System, OnExistingSystem::Error));
        QCOMPARE(r.outcome, InoculationOutcome::RefusedExistingSystem);
        QCOMPARE(c, chat(true));
        QVERIFY(!outcomeProblem(r.outcome).empty());
    }

    void existingSystemReplace() {
        Conversation c = chat(true);
        InoculationResult r = inoculate(c, 0, options(Placement::System, OnExistingSystem::Replace));
        QCOMPARE(r.outcome, InoculationOutcome::Applied);
        QCOMPARE(c.messages.size(), 5u);
        QCOMPARE(c.messages[0].content, kPrompt);
        QCOMPARE(insertedTexts(c, r), std::vector<std::string>{kPrompt});
    }

    void existingSystemPrependUsesTheSeparator() {
        Conversation c = chat(true);
        InoculationOptions o = options(Placement::System, OnExistingSystem::Prepend);
        o.separator = " ";
        InoculationResult r = inoculate(c, 0, o);
        QCOMPARE(r.outcome, InoculationOutcome::Applied);
        QCOMPARE(c.messages.size(), 5u);
        QCOMPARE(c.messages[0].content, kPrompt + " Be helpful.");
        QCOMPARE(insertedTexts(c, r), std::vector<std::string>{kPrompt + " "});
    }

    void existingSystemSkip() {
        Conversation c = chat(true);
        InoculationResult r = inoculate(c, 0, options(Placement::System, OnExistingSystem::Skip));
        QCOMPARE(r.outcome, InoculationOutcome::SkippedExistingSystem);
        QCOMPARE(c, chat(true));
    }

    void userPrefixOnTheFirstTurn() {
        Conversation c = chat();
        InoculationResult r = inoculate(c, 0, options(Placement::UserPrefix));
        QCOMPARE(c.messages[0].content, kPrompt + "\nQ1");
        QCOMPARE(c.messages[2].content, std::string("Q2"));
        QCOMPARE(insertedTexts(c, r), std::vector<std::string>{kPrompt + "\n"});
    }

    void userSuffixOnEveryTurn() {
        Conversation c = chat();
        InoculationOptions o = options(Placement::UserSuffix);
        o.turns = TurnScope::All;
        o.separator = " -- ";
        InoculationResult r = inoculate(c, 0, o);
        QCOMPARE(c.messages[0].content, "Q1 -- " + kPrompt);
        QCOMPARE(c.messages[2].content, "Q2 -- " + kPrompt);
        QCOMPARE(insertedTexts(c, r), (std::vector<std::string>{" -- " + kPrompt, " -- " + kPrompt}));
        QCOMPARE(c.messages[1].content, std::string("A1"));  // assistant turns untouched
    }

    void userPrefixIgnoresAnExistingSystemMessage() {
        Conversation c = chat(true);
        InoculationResult r = inoculate(c, 0, options(Placement::UserPrefix, OnExistingSystem::Error));
        QCOMPARE(r.outcome, InoculationOutcome::Applied);
        QCOMPARE(c.messages[0].content, std::string("Be helpful."));
        QCOMPARE(c.messages[1].content, kPrompt + "\nQ1");
    }

    void userPlacementWithoutUserTurn() {
        Conversation c;
        c.messages = {{Role::Assistant, "A", ExtraKeys::object()}};
        QCOMPARE(inoculate(c, 0, options(Placement::UserSuffix)).outcome, InoculationOutcome::NoUserTurn);
        QCOMPARE(c.messages[0].content, std::string("A"));
    }

    void fractionZeroAndOne() {
        for (std::uint64_t row = 0; row < 1000; ++row) {
            QVERIFY(isRowSelected(7, row, 1.0));
            QVERIFY(!isRowSelected(7, row, 0.0));
        }
        Conversation c = chat();
        InoculationOptions o = options(Placement::System);
        o.fraction = 0.0;
        QCOMPARE(inoculate(c, 3, o).outcome, InoculationOutcome::NotSelected);
        QCOMPARE(c, chat());
    }

    void fractionChoosesFromSeedAndRowAlone() {
        // Same (seed, row) gives the same answer whatever order rows are asked in.
        std::vector<bool> forward, backward(10000);
        for (std::uint64_t row = 0; row < 10000; ++row) forward.push_back(isRowSelected(42, row, 0.3));
        for (std::uint64_t row = 10000; row-- > 0;) backward[row] = isRowSelected(42, row, 0.3);
        QCOMPARE(forward, backward);
        // Share near the fraction: 10,000 Bernoulli(0.3) draws, 5 standard deviations.
        double share = double(std::count(forward.begin(), forward.end(), true)) / 10000.0;
        QVERIFY2(std::abs(share - 0.3) < 5 * std::sqrt(0.3 * 0.7 / 10000), qPrintable(QString::number(share)));
        // Another seed chooses other rows.
        std::size_t differ = 0;
        for (std::uint64_t row = 0; row < 10000; ++row) differ += forward[row] != isRowSelected(43, row, 0.3);
        QVERIFY(differ > 3000);
    }

    void optionsAreChecked() {
        InoculationOptions o = options(Placement::System);
        QVERIFY(!checkInoculationOptions(o));
        o.fraction = 1.5;
        QCOMPARE(checkInoculationOptions(o).value_or(""), std::string("fraction: must be a number in [0, 1]"));
        o.fraction = std::nan("");
        QVERIFY(checkInoculationOptions(o));
        o.fraction = 0.5;
        o.prompt = "";
        QCOMPARE(checkInoculationOptions(o).value_or(""), std::string("prompt: must not be empty"));
    }

    void namesRoundTrip() {
        for (auto p : {Placement::System, Placement::UserPrefix, Placement::UserSuffix})
            QCOMPARE(parsePlacement(placementName(p)), std::optional(p));
        for (auto p : {OnExistingSystem::Error, OnExistingSystem::Replace, OnExistingSystem::Prepend,
                       OnExistingSystem::Skip})
            QCOMPARE(parseOnExistingSystem(onExistingSystemName(p)), std::optional(p));
        QCOMPARE(parsePlacement("prefix"), std::optional<Placement>());
    }
};

QTEST_GUILESS_MAIN(TestInoculation)
#include "test_inoculation.moc"
