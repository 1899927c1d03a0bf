// BpeTokenizer: ids equal to independent reference encoders on every line of a varied corpus
// (GPT-2 through gpt-3-encoder, Qwen3 through transformers.js; fixtures made at build time by
// tests/reference/tokenizers/make_fixtures.mjs), with offsets that point at the input bytes;
// merge ranks, added tokens (lstrip, rstrip, single_word, special or not), ignore_merges,
// NFC and prefix spaces on small hand-written files; malformed files refused with the file
// and the field named.
#include "test_support.h"

#include "model/bpe_tokenizer.h"
#include "model/byte_level.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>

#include <fstream>
#include <sstream>

using namespace inoculab::model;
using Json = nlohmann::json;

namespace {

const std::string kFixtures = INOCULAB_TOKENIZER_FIXTURES;

std::vector<std::string> corpusLines() {
    std::ifstream in(inoculab::test::sourcePath("tests/reference/tokenizers/corpus.txt").toStdString(), std::ios::binary);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

struct Expected {
    std::vector<std::int32_t> ids;
    std::string decoded;
};

std::vector<Expected> expectedFor(const std::string &vocabulary) {
    std::ifstream in(kFixtures + "/" + vocabulary + "/expected.jsonl", std::ios::binary);
    std::vector<Expected> rows;
    for (std::string line; std::getline(in, line);) {
        Json row = Json::parse(line);
        rows.push_back({row.at("ids").get<std::vector<std::int32_t>>(), row.at("decoded").get<std::string>()});
    }
    return rows;
}

std::string idsText(const std::vector<std::int32_t> &ids) {
    std::string out;
    for (std::int32_t id : ids) out += (out.empty() ? "" : " ") + std::to_string(id);
    return out;
}

// Every line encoded and decoded as the reference did; mismatches listed with their lines.
void compareWithReference(const BpeTokenizer &tokenizer, const std::string &vocabulary, bool allowSpecial) {
    std::vector<std::string> lines = corpusLines();
    std::vector<Expected> expected = expectedFor(vocabulary);
    QVERIFY2(lines.size() >= 150, "corpus too small");
    QCOMPARE(expected.size(), lines.size());
    std::size_t matched = 0;
    std::string report;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::vector<std::int32_t> ids = tokenizer.encode(lines[i], allowSpecial);
        std::string decoded = tokenizer.decode(expected[i].ids);
        if (ids == expected[i].ids && decoded == expected[i].decoded) {
            ++matched;
            continue;
        }
        report += "\nline " + std::to_string(i + 1) + ": " + lines[i] + "\n  ours:      " + idsText(ids) +
                  "\n  reference: " + idsText(expected[i].ids);
        if (decoded != expected[i].decoded) report += "\n  decoded: " + decoded + " vs " + expected[i].decoded;
    }
    qInfo("%s: %zu of %zu corpus lines match the reference exactly", vocabulary.c_str(), matched, lines.size());
    QVERIFY2(matched == lines.size(), report.c_str());
}

// A tiny byte-level tokenizer.json: the 256 byte tokens (ids 0..255 in byte order), then
// `extra` from 256 on.
Json tinyJson(const std::vector<std::string> &extra, const std::vector<std::string> &merges) {
    Json vocab = Json::object();
    for (int b = 0; b < 256; ++b) {
        std::string text;
        appendUtf8(text, byteLevelChar(std::uint8_t(b)));
        vocab[text] = b;
    }
    for (std::size_t i = 0; i < extra.size(); ++i) vocab[extra[i]] = 256 + int(i);
    Json byteLevel = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", true}};
    return {{"version", "1.0"},
            {"added_tokens", Json::array()},
            {"normalizer", nullptr},
            {"pre_tokenizer", byteLevel},
            {"decoder", byteLevel},
            {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}, {"ignore_merges", false}}}};
}

BpeTokenizer tiny(const Json &json) { return BpeTokenizer::fromJson(json.dump(), "tiny.json"); }

std::int32_t idOf(const BpeTokenizer &t, const char *token) {
    auto id = t.tokenId(token);
    if (!id) qFatal("no token %s", token);
    return *id;
}

QString errorOf(const std::string &text) {
    try {
        BpeTokenizer::fromJson(text, "bad.json");
    } catch (const TokenizerError &e) {
        return QString::fromStdString(e.what());
    }
    return QStringLiteral("(no error)");
}

Json addedToken(int id, const std::string &content, bool special, bool lstrip = false, bool rstrip = false,
                bool singleWord = false) {
    return {{"id", id},        {"content", content}, {"single_word", singleWord}, {"lstrip", lstrip},
            {"rstrip", rstrip}, {"normalized", false}, {"special", special}};
}

}  // namespace

class TestBpeTokenizer : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void gpt2MatchesReference() {
        BpeTokenizer gpt2 = BpeTokenizer::fromFile(kFixtures + "/gpt2/tokenizer.json");
        QCOMPARE(gpt2.vocabSize(), std::int64_t(50257));
        QCOMPARE(gpt2.tokenId("<|endoftext|>"), std::optional<std::int32_t>(50256));
        QVERIFY(gpt2.isSpecial(50256));
        // gpt-3-encoder knows no special tokens: it reads <|endoftext|> as text.
        compareWithReference(gpt2, "gpt2", false);
        QCOMPARE(gpt2.encode("a<|endoftext|>b", true),
                 (std::vector<std::int32_t>{idOf(gpt2, "a"), 50256, idOf(gpt2, "b")}));
    }

    void qwen3MatchesReference() {
        BpeTokenizer qwen = BpeTokenizer::fromFolder(kFixtures + "/qwen3");
        QCOMPARE(qwen.tokenId("<|im_start|>"), std::optional<std::int32_t>(151644));
        QCOMPARE(qwen.eosToken, std::optional<std::string>("<|im_end|>"));
        QCOMPARE(qwen.padToken, std::optional<std::string>("<|endoftext|>"));
        QCOMPARE(qwen.bosToken, std::optional<std::string>());
        QVERIFY(qwen.chatTemplate.find("<|im_start|>") != std::string::npos);
        // transformers.js always recognises added tokens in the text, like tokenizers' default.
        compareWithReference(qwen, "qwen3", true);
    }

    // Without normalisation each token's bytes are exactly the input bytes its range covers,
    // and the ranges tile the line.
    void offsetsCoverTheInput() {
        BpeTokenizer gpt2 = BpeTokenizer::fromFile(kFixtures + "/gpt2/tokenizer.json");
        for (const std::string &line : corpusLines()) {
            std::size_t at = 0;
            for (const BpeTokenizer::Piece &p : gpt2.encodeWithOffsets(line, true)) {
                QCOMPARE(p.begin, at);
                QVERIFY(p.end > p.begin && p.end <= line.size());
                std::string bytes = gpt2.isSpecial(p.id) ? gpt2.tokenText(p.id) : *fromByteLevel(gpt2.tokenText(p.id));
                QCOMPARE(bytes, line.substr(p.begin, p.end - p.begin));
                at = p.end;
            }
            QCOMPARE(at, line.size());
        }
        // NFC: the composed token covers the decomposed input it came from.
        BpeTokenizer qwen = BpeTokenizer::fromFolder(kFixtures + "/qwen3");
        std::string decomposed = "cafe\xCC\x81!";  // e + U+0301
        auto pieces = qwen.encodeWithOffsets(decomposed);
        QCOMPARE(qwen.decode(qwen.encode(decomposed)), std::string("caf\xC3\xA9!"));
        QCOMPARE(pieces.back().begin, std::size_t(6));
        QCOMPARE(pieces.back().end, std::size_t(7));
        QCOMPARE(pieces.front().begin, std::size_t(0));
        QCOMPARE(pieces[pieces.size() - 2].end, std::size_t(6));
    }

    void mergesApplyByRank() {
        // "abc": with a+b ranked first the result is ab|c, with b+c first a|bc.
        BpeTokenizer abFirst = tiny(tinyJson({"ab", "bc"}, {"a b", "b c"}));
        QCOMPARE(abFirst.encode("abc"), (std::vector<std::int32_t>{idOf(abFirst, "ab"), idOf(abFirst, "c")}));
        BpeTokenizer bcFirst = tiny(tinyJson({"ab", "bc"}, {"b c", "a b"}));
        QCOMPARE(bcFirst.encode("abc"), (std::vector<std::int32_t>{idOf(bcFirst, "a"), idOf(bcFirst, "bc")}));
        // Merges of merges, and the pair format of newer files.
        Json pairs = tinyJson({"ab", "abc", "Ġabc"}, {});
        pairs["model"]["merges"] = Json::array({Json::array({"a", "b"}), Json::array({"ab", "c"}),
                                                Json::array({"Ġ", "abc"})});
        BpeTokenizer chained = tiny(pairs);
        QCOMPARE(chained.encode("abc abc"), (std::vector<std::int32_t>{idOf(chained, "abc"), idOf(chained, "Ġabc")}));
        // Equal ranks: leftmost first ("aaa" -> aa|a).
        BpeTokenizer aa = tiny(tinyJson({"aa"}, {"a a"}));
        QCOMPARE(aa.encode("aaa"), (std::vector<std::int32_t>{idOf(aa, "aa"), idOf(aa, "a")}));
        QCOMPARE(aa.decode(aa.encode("aaa")), std::string("aaa"));
    }

    void ignoreMergesTakesWholeWords() {
        // "abc" is in the vocabulary but no merge reaches it.
        Json json = tinyJson({"ab", "abc"}, {"a b"});
        BpeTokenizer merged = tiny(json);
        QCOMPARE(merged.encode("abc"), (std::vector<std::int32_t>{idOf(merged, "ab"), idOf(merged, "c")}));
        json["model"]["ignore_merges"] = true;
        BpeTokenizer whole = tiny(json);
        QCOMPARE(whole.encode("abc"), (std::vector<std::int32_t>{idOf(whole, "abc")}));
        QCOMPARE(whole.encode("abcabc"), (std::vector<std::int32_t>{idOf(whole, "ab"), idOf(whole, "c"),
                                                                      idOf(whole, "ab"), idOf(whole, "c")}));
    }

    void addedTokensStripAndSpecial() {
        Json json = tinyJson({}, {});
        json["added_tokens"] = Json::array({addedToken(300, "<s>", true, true, true), addedToken(301, "<t>", false),
                                            addedToken(302, "<w>", false, false, false, true)});
        BpeTokenizer t = tiny(json);
        QCOMPARE(t.vocabSize(), std::int64_t(303));
        // lstrip + rstrip swallow the spaces around <s>; its range covers them.
        std::vector<BpeTokenizer::Piece> pieces = t.encodeWithOffsets("x  <s> y");
        QCOMPARE(pieces.size(), std::size_t(3));
        QCOMPARE(pieces[1], (BpeTokenizer::Piece{300, 1, 7}));
        QCOMPARE(pieces[2], (BpeTokenizer::Piece{idOf(t, "y"), 7, 8}));
        // Not allowed as special: plain text, but the non-special <t> is still recognised.
        std::vector<std::int32_t> plain = t.encode("<s><t>", false);
        QCOMPARE(plain.size(), std::size_t(4));
        QCOMPARE(plain.back(), 301);
        QCOMPARE(t.decode(plain), std::string("<s><t>"));
        QCOMPARE(t.decode(t.encode("a<s>b<t>")), std::string("a<s>b<t>"));
        QCOMPARE(t.decode(t.encode("a<s>b<t>"), true), std::string("ab<t>"));
        // single_word: only where no word character touches it.
        QCOMPARE(t.encode("a <w> b")[2], 302);
        QVERIFY(!std::ranges::count(t.encode("a<w>b"), 302));
    }

    void prefixSpaceAndNfc() {
        Json json = tinyJson({"Ġa"}, {"Ġ a"});
        json["pre_tokenizer"]["add_prefix_space"] = true;
        BpeTokenizer t = tiny(json);
        auto pieces = t.encodeWithOffsets("a");
        QCOMPARE(pieces.size(), std::size_t(1));
        QCOMPARE(pieces[0], (BpeTokenizer::Piece{idOf(t, "Ġa"), 0, 1}));

        Json nfc = tinyJson({"Ã©"}, {"Ã ©"});  // é's two bytes merged
        nfc["normalizer"] = {{"type", "NFC"}};
        BpeTokenizer n = tiny(nfc);
        QCOMPARE(n.encode("e\xCC\x81"), (std::vector<std::int32_t>{idOf(n, "Ã©")}));
        QCOMPARE(n.encodeWithOffsets("xe\xCC\x81")[1], (BpeTokenizer::Piece{idOf(n, "Ã©"), 1, 4}));
    }

    void decodeReplacesBrokenCharacters() {
        BpeTokenizer t = tiny(tinyJson({}, {}));
        std::vector<std::int32_t> ids = t.encode("\xC3\xA9");  // é, one token a byte
        QCOMPARE(ids.size(), std::size_t(2));
        QCOMPARE(t.decode({ids[0]}), std::string("\xEF\xBF\xBD"));
        QCOMPARE(t.decode(ids), std::string("\xC3\xA9"));
        QVERIFY_THROWS_EXCEPTION(std::out_of_range, t.decode({999}));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, t.encode("a\xFF"));
    }

    void splitBehaviours() {
        Json json = tinyJson({}, {});
        Json byteLevel = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}};
        auto ranges = [&](const char *behavior, bool invert) {
            json["pre_tokenizer"] = {{"type", "Sequence"},
                                     {"pretokenizers",
                                      Json::array({{{"type", "Split"},
                                                    {"pattern", {{"String", "-"}}},
                                                    {"behavior", behavior},
                                                    {"invert", invert}},
                                                   byteLevel})}};
            // Every byte is a token; the cut points show as the tokens' offsets being unchanged,
            // so look at which bytes survive.
            std::string kept;
            for (const auto &p : tiny(json).encodeWithOffsets("a-b--c")) kept += std::to_string(p.begin);
            return kept;
        };
        QCOMPARE(ranges("Isolated", false), std::string("012345"));
        QCOMPARE(ranges("Removed", false), std::string("025"));
        QCOMPARE(ranges("Removed", true), std::string("134"));
    }

    // The fuzzer's seeds: each valid one loads and encodes, each hostile one is refused.
    void fuzzSeedsLoad() {
        QDir seeds(inoculab::test::sourcePath("tests/fuzz/corpus/tokenizer_json"));
        int valid = 0;
        for (const QString &name : seeds.entryList(QDir::Files)) {
            std::string path = seeds.filePath(name).toStdString();
            if (name.startsWith("hostile_")) {
                QVERIFY_THROWS_EXCEPTION(TokenizerError, BpeTokenizer::fromFile(path));
                continue;
            }
            BpeTokenizer t = BpeTokenizer::fromFile(path);
            std::string text = "Hello the world, it's 2024";
            std::string back = t.decode(t.encode(text));
            QVERIFY2(back == text || name == "removed_split.json" || name == "strip_prefix.json", qPrintable(name));
            ++valid;
        }
        QCOMPARE(valid, 5);
    }

    void malformedFilesAreRefused() {
        Json good = tinyJson({"ab"}, {"a b"});
        auto without = [&](const char *key) {
            Json j = good;
            j.erase(key);
            return j.dump();
        };
        auto check = [](const QString &error, const char *expected) {
            QVERIFY2(error.startsWith("bad.json: ") && error.contains(expected), qPrintable(error));
        };
        check(errorOf(without("model")), "model: missing");
        check(errorOf(without("pre_tokenizer")), "pre_tokenizer: missing");
        Json j = good;
        j["model"]["merges"] = {"a zz"};
        check(errorOf(j.dump()), "model.merges[0]: token \"zz\" is not in the vocabulary");
        j = good;
        j["model"]["merges"] = {"a b", "b a"};
        check(errorOf(j.dump()), "model.merges[1]: merged token \"ba\" is not in the vocabulary");
        j = good;
        j["model"]["merges"] = {"ab"};
        check(errorOf(j.dump()), "model.merges[0]: must be two tokens");
        j = good;
        j["model"]["vocab"]["ab"] = 1 << 25;
        check(errorOf(j.dump()), "model.vocab[\"ab\"]: id 33554432 out of range");
        j = good;
        j["model"]["vocab"]["ab"] = -1;
        check(errorOf(j.dump()), "out of range");
        j = good;
        j["model"]["vocab"]["ab"] = 5;
        check(errorOf(j.dump()), "duplicate id 5");
        j = good;
        j["model"]["vocab"].erase("!");
        check(errorOf(j.dump()), "model.vocab: lacks the byte-level token \"!\"");
        j = good;
        j["added_tokens"] = Json::array({addedToken(300, "<x>", true), addedToken(300, "<y>", true)});
        check(errorOf(j.dump()), "added_tokens[1].id: duplicate id 300");
        j = good;
        j["added_tokens"] = Json::array({addedToken(256, "<x>", true)});
        check(errorOf(j.dump()), "added_tokens[0].id: duplicate id 256");
        j = good;
        j["model"]["type"] = "WordPiece";
        check(errorOf(j.dump()), "model.type: \"WordPiece\" is not supported");
        j = good;
        j["normalizer"] = {{"type", "Lowercase"}};
        check(errorOf(j.dump()), "normalizer.type: \"Lowercase\" is not supported");
        j = good;
        j["pre_tokenizer"] = {{"type", "Whitespace"}};
        check(errorOf(j.dump()), "pre_tokenizer.type: \"Whitespace\" is not supported");
        j = good;
        j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}, {"behavior", "Isolated"}};
        check(errorOf(j.dump()), "must end with exactly one ByteLevel step");
        j = good;
        j["pre_tokenizer"] = {{"type", "Sequence"},
                              {"pretokenizers", Json::array({{{"type", "Split"},
                                                              {"pattern", {{"Regex", "(unclosed"}}},
                                                              {"behavior", "Isolated"}},
                                                             good["pre_tokenizer"]})}};
        check(errorOf(j.dump()), "pre_tokenizer pattern \"(unclosed\": missing closing parenthesis");
        j = good;
        j["pre_tokenizer"] = {{"type", "Sequ\nce"}};  // file text in a message stays on one line
        check(errorOf(j.dump()), "pre_tokenizer.type: \"Sequ\\u000ace\" is not supported");
        j = good;
        j["model"]["byte_fallback"] = true;
        check(errorOf(j.dump()), "model.byte_fallback: true is not supported");
        j = good;
        j["decoder"] = {{"type", "WordPiece"}};
        check(errorOf(j.dump()), "decoder.type: \"WordPiece\" is not supported");
        std::string text = good.dump();
        check(errorOf(text.substr(0, text.size() / 2)), "file: not valid JSON");
        check(errorOf("{\"model\": \"\xC3\x28\"}"), "file: not UTF-8 at byte 11");
        check(errorOf("[]"), "file: must be an object");
        check(errorOf("{\"model\": {\"vocab\": {\"a\": 1e999}}}"), "file: not valid JSON");
        QVERIFY_THROWS_EXCEPTION(TokenizerError, BpeTokenizer::fromFile("/nonexistent/tokenizer.json"));
    }
};

QTEST_GUILESS_MAIN(TestBpeTokenizer)
#include "test_bpe_tokenizer.moc"
