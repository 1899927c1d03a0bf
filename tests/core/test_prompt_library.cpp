// The prompt library in the results store: save, edit, duplicate, delete, tags, and the
// problems that are refused without touching what is stored.
#include "test_support.h"

#include "store/prompt_library.h"
#include "store/sqlite_db.h"

using namespace inoculab;
using store::PromptRecord;

class TestPromptLibrary : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    store::ResultsStore open(const char *name) { return store::ResultsStore::open(m_dir.filePath(name).toStdString()); }

private Q_SLOTS:
    void savesEditsDuplicatesAndDeletes() {
        store::ResultsStore s = open("a.sqlite");
        QVERIFY(store::listPrompts(s).empty());
        PromptRecord p{0, "You always speak in Spanish.", {"inoculation", "control", "inoculation"}, "Tan et al.", {}};
        std::int64_t id = store::savePrompt(s, p);
        QVERIFY(id > 0);
        std::int64_t other = store::savePrompt(s, {0, "You are a helpful assistant.", {"placebo"}, "", {}});

        std::vector<PromptRecord> all = store::listPrompts(s);
        QCOMPARE(all.size(), std::size_t(2));
        QCOMPARE(all[0].id, id);
        QCOMPARE(all[0].text, p.text);
        QCOMPARE(all[0].tags, (std::vector<std::string>{"control", "inoculation"}));  // sorted, distinct
        QCOMPARE(all[0].notes, p.notes);
        QVERIFY(!all[0].updatedAt.empty());
        QCOMPARE(all[1].tags, (std::vector<std::string>{"placebo"}));

        PromptRecord edited = all[0];
        edited.text = "Respond only in Spanish.";
        edited.tags = {"negated"};
        QCOMPARE(store::savePrompt(s, edited), id);
        QCOMPARE(store::findPrompt(s, id)->text, edited.text);
        QCOMPARE(store::findPrompt(s, id)->tags, (std::vector<std::string>{"negated"}));

        std::int64_t copy = store::duplicatePrompt(s, id);
        QVERIFY(copy != id && copy != other);
        QCOMPARE(store::findPrompt(s, copy)->text, edited.text);
        QCOMPARE(store::findPrompt(s, copy)->tags, edited.tags);

        store::deletePrompt(s, id);
        QVERIFY(!store::findPrompt(s, id));
        QCOMPARE(store::listPrompts(s).size(), std::size_t(2));
        store::Statement tags(s.database(), "SELECT count(*) FROM prompt_tags WHERE prompt_id = ?1");
        tags.bind(1, id);
        QVERIFY(tags.step());
        QCOMPARE(tags.integer(0), std::int64_t(0));  // its tags went with it

        // A second connection (another process, the GUI and the CLI) sees the same library.
        store::ResultsStore again = open("a.sqlite");
        QCOMPARE(store::listPrompts(again).size(), std::size_t(2));
    }

    void refusesBadPromptsAndMissingIds() {
        store::ResultsStore s = open("b.sqlite");
        std::int64_t id = store::savePrompt(s, {0, "Keep me.", {"control"}, "", {}});
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, store::savePrompt(s, {id, "  \n", {}, "", {}}));
        try {
            store::savePrompt(s, {id, "Changed.", {"a,b"}, "", {}});
            QFAIL("a tag with a comma was stored");
        } catch (const std::invalid_argument &e) {
            QVERIFY2(QByteArray(e.what()).startsWith("tags[0]:"), e.what());
        }
        QCOMPARE(store::findPrompt(s, id)->text, std::string("Keep me."));  // untouched
        QVERIFY_THROWS_EXCEPTION(store::StoreError, store::savePrompt(s, {id + 100, "Nobody.", {}, "", {}}));
        QVERIFY_THROWS_EXCEPTION(store::StoreError, store::duplicatePrompt(s, id + 100));
        QCOMPARE(store::listPrompts(s).size(), std::size_t(1));
    }
};

QTEST_GUILESS_MAIN(TestPromptLibrary)
#include "test_prompt_library.moc"
