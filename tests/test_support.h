#pragma once
// Helpers shared by the suites: temporary files and the sample datasets.
#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QString>
#include <QTemporaryDir>
#include <QTest>

#include <string>

namespace inoculab::test {

inline QString sourcePath(const QString &relative) {
    return QStringLiteral(INOCULAB_SOURCE_DIR "/") + relative;
}

inline std::string sampleDataset(const char *name) {
    return sourcePath(QStringLiteral("datasets/samples/") + QLatin1String(name)).toStdString();
}

// Writes bytes exactly as given (no newline translation) and returns the path.
inline std::string writeFile(const QTemporaryDir &dir, const QString &name, const QByteArray &bytes) {
    QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
    file.write(bytes);
    return path.toStdString();
}

inline QByteArray readFile(const std::string &path) {
    QFile file(QString::fromStdString(path));
    if (!file.open(QIODevice::ReadOnly)) return {};
    return file.readAll();
}

// Names of the files in a folder, to check that no temporary file was left behind.
inline QStringList filesIn(const QTemporaryDir &dir) {
    return QDir(dir.path()).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot, QDir::Name);
}

}  // namespace inoculab::test

namespace inoculab::test {

// JSON written with single quotes, so fixtures need no escaping and no raw string literals
// (moc's tokenizer mis-reads some raw strings and then finds no test class).
inline std::string jsonText(const char *singleQuoted) {
    std::string text(singleQuoted);
    constexpr char kSingleQuote = 39, kDoubleQuote = 34;  // no char literals: moc misreads some
    for (char &c : text)
        if (c == kSingleQuote) c = kDoubleQuote;
    return text;
}

}  // namespace inoculab::test

namespace inoculab::test {

// A valid OpenAI chat row as one JSONL line (without line end).
inline QByteArray chatRow(const char *user = "hi", const char *assistant = "hello") {
    return QByteArray::fromStdString(jsonText("{'messages':[{'role':'user','content':'") + user +
                                     jsonText("'},{'role':'assistant','content':'") + assistant + jsonText("'}]}"));
}

}  // namespace inoculab::test
