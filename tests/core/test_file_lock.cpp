// FileLock: exclusive while held, free again when its holder goes (also when it dies: the
// kernel drops flock locks with the process; the CLI suite kills workers to see that).
#include "test_support.h"

#include "common/file_lock.h"
#include "common/input_error.h"

using namespace inoculab;

class TestFileLock : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    void exclusiveWhileHeld() {
        const std::string path = m_dir.filePath("run.lock").toStdString();
        QVERIFY(!common::FileLock::isHeldElsewhere(path));  // no file yet
        {
            common::FileLock first(path, common::FileLock::Mode::TryOnce);
            QVERIFY(first.isLocked());
            QVERIFY(common::FileLock::isHeldElsewhere(path));
            common::FileLock second(path, common::FileLock::Mode::TryOnce);
            QVERIFY(!second.isLocked());
        }
        QVERIFY(!common::FileLock::isHeldElsewhere(path));
        common::FileLock again(path);
        QVERIFY(again.isLocked());
    }

    void anUnopenableFileIsAnInputError() {
        const std::string path = m_dir.filePath("missing/dir/run.lock").toStdString();
        try {
            common::FileLock lock(path);
            QFAIL("locked a file in a folder that does not exist");
        } catch (const common::InputError &e) {
            QCOMPARE(e.file(), path);
        }
    }
};

QTEST_GUILESS_MAIN(TestFileLock)
#include "test_file_lock.moc"
