// Safetensors reader and writer: round trips of every dtype (scalars and empty tensors
// included) with metadata; the written layout is exactly the format; a file laid out the way
// the Python reference writes it is read; every kind of corrupt or hostile header is refused
// with a message naming the file and the problem; the writer refuses bad inputs and never
// leaves a partial file.
#include "test_support.h"

#include "model/safetensors.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>

#include <cstring>

using namespace inoculab::model;
using inoculab::test::filesIn;
using inoculab::test::jsonText;
using inoculab::test::readFile;

namespace {

// A file as bytes: the 8-byte little-endian length, the header, the data buffer.
QByteArray fileBytes(const std::string &header, const QByteArray &data = {}) {
    QByteArray out;
    std::uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) out.append(char((n >> (8 * i)) & 0xFF));
    out.append(header.data(), qsizetype(header.size()));
    out.append(data);
    return out;
}

// The header written with single quotes (see jsonText).
QByteArray fileOf(const char *singleQuotedHeader, qsizetype dataBytes = 0) {
    return fileBytes(jsonText(singleQuotedHeader), QByteArray(dataBytes, char(7)));
}

QByteArray withLength(std::uint64_t n, const QByteArray &rest) {
    QByteArray out;
    for (int i = 0; i < 8; ++i) out.append(char((n >> (8 * i)) & 0xFF));
    return out + rest;
}

std::vector<std::uint8_t> vec(const QByteArray &bytes) { return {bytes.begin(), bytes.end()}; }

std::span<const std::uint8_t> spanOf(const std::vector<std::uint8_t> &v) { return {v.data(), v.size()}; }

std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t seed) {
    std::vector<std::uint8_t> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = std::uint8_t(seed + 31 * i);
    return out;
}

QString errorOf(const QByteArray &bytes) {
    try {
        SafetensorsFile::fromBytes(vec(bytes), "hostile.safetensors");
    } catch (const SafetensorsError &e) {
        return QString::fromStdString(e.what());
    }
    return QStringLiteral("(no error)");
}

QString writeError(const std::string &path, const std::vector<TensorToWrite> &tensors,
                   const std::map<std::string, std::string> &metadata = {}) {
    try {
        writeSafetensors(path, tensors, metadata);
    } catch (const SafetensorsError &e) {
        return QString::fromStdString(e.what());
    }
    return QStringLiteral("(no error)");
}

std::vector<std::uint8_t> bytesOf(const SafetensorsFile &file, const TensorInfo &info) {
    auto span = file.bytes(info);
    return {span.begin(), span.end()};
}

}  // namespace

class TestSafetensors : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void dtypes() {
        const DType all[] = {DType::F64, DType::F32, DType::F16, DType::BF16, DType::I64,
                             DType::I32, DType::I16, DType::I8,  DType::U8,   DType::Bool};
        const std::size_t sizes[] = {8, 4, 2, 2, 8, 4, 2, 1, 1, 1};
        for (std::size_t i = 0; i < std::size(all); ++i) {
            QCOMPARE(dtypeSize(all[i]), sizes[i]);
            QCOMPARE(parseDType(dtypeName(all[i])), std::optional<DType>(all[i]));
        }
        QCOMPARE(dtypeName(DType::Bool), std::string_view("BOOL"));
        QCOMPARE(dtypeName(DType::BF16), std::string_view("BF16"));
        QVERIFY(!parseDType("f32"));
        QVERIFY(!parseDType("U16"));
        QVERIFY(!parseDType(""));
    }

    void checkedElementCounts() {
        using Shape = std::vector<std::int64_t>;
        QCOMPARE(checkedElements(Shape{}), std::optional<std::uint64_t>(1));
        QCOMPARE(checkedElements(Shape{2, 3, 4}), std::optional<std::uint64_t>(24));
        QCOMPARE(checkedElements(Shape{5, 0}), std::optional<std::uint64_t>(0));
        QVERIFY(!checkedElements(Shape{-1}));
        constexpr std::int64_t k62 = std::int64_t(1) << 62;
        QVERIFY(!checkedElements(Shape{k62, k62}));
        QVERIFY(!checkedElements(Shape{0, k62, k62}));  // a zero does not hide an overflow
        QVERIFY(!checkedElements(Shape{k62, 2}));       // 2^63 > INT64_MAX
        QCOMPARE(checkedElements(Shape{k62, 1}), std::optional<std::uint64_t>(std::uint64_t(k62)));
    }

    void roundTrip() {
        QTemporaryDir dir;
        std::string path = dir.filePath("model.safetensors").toStdString();
        struct Case {
            std::string name;
            DType dtype;
            std::vector<std::int64_t> shape;
            std::vector<std::uint8_t> data;
        };
        std::vector<Case> cases = {
            {"w.f32", DType::F32, {2, 3}, pattern(24, 1)},
            {"b.bf16", DType::BF16, {4}, pattern(8, 2)},
            {"step", DType::I64, {}, pattern(8, 3)},  // scalar
            {"mask", DType::Bool, {0, 5}, {}},        // empty
            {"bytes", DType::U8, {3}, pattern(3, 4)},
            {"deep", DType::F64, {1, 1, 1}, pattern(8, 5)},
            {"i8", DType::I8, {2, 2}, pattern(4, 6)},
            {"i16", DType::I16, {3}, pattern(6, 7)},
            {"i32", DType::I32, {1}, pattern(4, 8)},
            {"h", DType::F16, {2, 0, 3}, {}},
            {"n\xC3\xBC name", DType::F16, {1}, pattern(2, 9)},  // not ASCII
        };
        std::vector<TensorToWrite> toWrite;
        for (const Case &c : cases) toWrite.push_back({c.name, c.dtype, c.shape, spanOf(c.data)});
        std::map<std::string, std::string> metadata = {{"format", "pt"}, {"note", "caf\xC3\xA9\n\"quoted\""}};
        writeSafetensors(path, toWrite, metadata);
        QCOMPARE(filesIn(dir), QStringList{"model.safetensors"});

        for (int viaBytes = 0; viaBytes < 2; ++viaBytes) {
            SafetensorsFile file =
                viaBytes ? SafetensorsFile::fromBytes(vec(readFile(path)), path) : SafetensorsFile::open(path);
            QCOMPARE(file.tensors().size(), cases.size());
            QCOMPARE(file.metadata(), metadata);
            for (std::size_t i = 1; i < file.tensors().size(); ++i)
                QVERIFY(file.tensors()[i - 1].name < file.tensors()[i].name);  // sorted by name
            for (const Case &c : cases) {
                const TensorInfo *info = file.find(c.name);
                QVERIFY2(info, c.name.c_str());
                QCOMPARE(info->name, c.name);
                QCOMPARE(info->dtype, c.dtype);
                QCOMPARE(info->shape, c.shape);
                QCOMPARE(info->end - info->begin, std::uint64_t(c.data.size()));
                QCOMPARE(info->elements() * dtypeSize(c.dtype), std::uint64_t(c.data.size()));
                QCOMPARE(bytesOf(file, *info), c.data);
            }
            QCOMPARE(file.find("step")->elements(), std::uint64_t(1));
            QCOMPARE(file.find("mask")->elements(), std::uint64_t(0));
            QVERIFY(!file.find("missing"));
            QVERIFY(!file.find(""));
        }
    }

    void layoutIsTheFormat() {
        QTemporaryDir dir;
        std::string path = dir.filePath("layout.safetensors").toStdString();
        auto b = pattern(4, 10), a = pattern(24, 20);
        writeSafetensors(path, {{"b", DType::I32, {1}, spanOf(b)}, {"a", DType::F32, {2, 3}, spanOf(a)}},
                         {{"format", "pt"}});
        QByteArray bytes = readFile(path);
        QVERIFY(bytes.size() >= 8);
        std::uint64_t n = 0;
        for (int i = 7; i >= 0; --i) n = (n << 8) | std::uint8_t(bytes[i]);
        QCOMPARE((8 + n) % 8, std::uint64_t(0));  // data buffer 8-byte aligned
        QCOMPARE(std::uint64_t(bytes.size()), 8 + n + 28);
        std::string header = bytes.mid(8, qsizetype(n)).toStdString();
        std::size_t last = header.find_last_not_of(' ');
        QCOMPARE(header[last], '}');
        QVERIFY(header.size() - last - 1 < 8);  // only padding after the object
        auto json = nlohmann::json::parse(header);
        QCOMPARE(json.size(), std::size_t(3));
        QVERIFY(json["__metadata__"] == nlohmann::json({{"format", "pt"}}));
        QVERIFY(json["a"]["dtype"] == nlohmann::json("F32"));
        QVERIFY(json["a"]["shape"] == nlohmann::json({2, 3}));
        QVERIFY(json["a"]["data_offsets"] == nlohmann::json({0, 24}));  // name order
        QVERIFY(json["b"]["dtype"] == nlohmann::json("I32"));
        QVERIFY(json["b"]["data_offsets"] == nlohmann::json({24, 28}));
        QByteArray data = bytes.mid(qsizetype(8 + n));
        QCOMPARE(data.left(24), QByteArray(reinterpret_cast<const char *>(a.data()), 24));
        QCOMPARE(data.mid(24), QByteArray(reinterpret_cast<const char *>(b.data()), 4));
        // "__metadata__" first, then tensors by name, each as dtype, shape, data_offsets.
        QCOMPARE(header.substr(0, last + 1),
                 jsonText("{'__metadata__':{'format':'pt'},'a':{'dtype':'F32','shape':[2,3],'data_offsets':[0,24]},"
                          "'b':{'dtype':'I32','shape':[1],'data_offsets':[24,28]}}"));
        SafetensorsFile file = SafetensorsFile::open(path);
        QCOMPARE(file.dataOffset(), 8 + n);
    }

    void emptyFile() {
        QTemporaryDir dir;
        std::string path = dir.filePath("empty.safetensors").toStdString();
        writeSafetensors(path, {});
        QCOMPARE(readFile(path), fileBytes("{}      "));
        SafetensorsFile file = SafetensorsFile::open(path);
        QVERIFY(file.tensors().empty());
        QVERIFY(file.metadata().empty());
    }

    // Laid out as the Python reference writes it: "__metadata__" first, entries not in name
    // order, spaces to an 8-byte boundary; tensors() comes back sorted by name regardless.
    void readsReferenceLayout() {
        std::string header = jsonText(
            "{'__metadata__':{'format':'pt'},"
            "'weight':{'dtype':'F32','shape':[2,2],'data_offsets':[0,16]},"
            "'bias':{'dtype':'F32','shape':[2],'data_offsets':[16,24]},"
            "'count':{'dtype':'I64','shape':[],'data_offsets':[24,32]}}");
        header.append((8 - header.size() % 8) % 8 + 8, ' ');  // more padding than needed
        QByteArray data;
        const float values[] = {1.0f, -2.0f, 0.5f, 3.25f, 7.0f, -1.0f};
        data.append(reinterpret_cast<const char *>(values), sizeof values);
        std::int64_t count = 42;
        data.append(reinterpret_cast<const char *>(&count), sizeof count);
        SafetensorsFile file = SafetensorsFile::fromBytes(vec(fileBytes(header, data)), "ref.safetensors");
        QCOMPARE(file.tensors().size(), std::size_t(3));
        QCOMPARE(file.tensors()[0].name, std::string("bias"));
        QCOMPARE(file.tensors()[1].name, std::string("count"));
        QCOMPARE(file.tensors()[2].name, std::string("weight"));
        QCOMPARE(file.metadata().at("format"), std::string("pt"));
        auto weight = file.bytes(*file.find("weight"));
        float w[4];
        QCOMPARE(weight.size(), sizeof w);
        std::memcpy(w, weight.data(), sizeof w);
        QCOMPARE(w[1], -2.0f);
        QCOMPARE(w[3], 3.25f);
        auto bias = file.bytes(*file.find("bias"));
        float b[2];
        std::memcpy(b, bias.data(), sizeof b);
        QCOMPARE(b[0], 7.0f);
        std::int64_t c = 0;
        std::memcpy(&c, file.bytes(*file.find("count")).data(), sizeof c);
        QCOMPARE(c, std::int64_t(42));
        QCOMPARE(file.find("count")->shape, std::vector<std::int64_t>{});
        // Any JSON whitespace may pad, and leading whitespace is JSON too.
        std::string tabbed = " \n" + jsonText("{'x':{'dtype':'U8','shape':[1],'data_offsets':[0,1]}}") + "\t\r\n ";
        QCOMPARE(SafetensorsFile::fromBytes(vec(fileBytes(tabbed, "z")), "t").tensors().size(), std::size_t(1));
    }

    void hostile_data() {
        QTest::addColumn<QByteArray>("file");
        QTest::addColumn<QString>("expected");
        const std::uint64_t k62 = std::uint64_t(1) << 62;
        auto row = [](const char *name, const QByteArray &file, const char *expected) {
            QTest::newRow(name) << file << QString::fromUtf8(expected);
        };
        row("empty file", QByteArray(), "the file is 0 bytes, shorter than the 8-byte header length");
        row("short file", QByteArray("\x02\0\0\0\0", 5), "the file is 5 bytes");
        row("length past end", withLength(100, "{}"), "header length 100 runs past the end of the file (2 bytes");
        row("length over cap", withLength(k62, "{}"), "is larger than the limit of 100000000 bytes");
        row("length all ones", withLength(~std::uint64_t(0), "{}"), "is larger than the limit");
        row("zero length", withLength(0, "{}"), "header is not valid JSON");
        row("not json", fileBytes("{"), "header is not valid JSON (at header byte");
        row("trailing garbage", fileBytes("{} x"), "header is not valid JSON");
        row("nul padding", fileBytes(std::string("{}\0\0\0\0\0\0", 8)), "header is not valid JSON");
        row("array header", fileBytes("[]"), "header is not a JSON object (it is an array)");
        row("string header", fileBytes("\"x\""), "header is not a JSON object (it is a string)");
        row("number header", fileBytes("12"), "header is not a JSON object (it is a number)");
        row("not utf8", fileBytes("{\"\xFF\":{}}"), "header is not valid UTF-8 (at header byte 2)");
        row("overlong utf8", fileBytes("{\"\xC0\xAF\":{}}"), "header is not valid UTF-8");
        row("lone surrogate", fileOf("{'\\ud800':{}}"), "header is not valid JSON");
        row("entry not object", fileOf("{'a':[1]}"), "tensor \"a\": entry is not an object (it is an array)");
        row("entry null", fileOf("{'a':null}"), "tensor \"a\": entry is not an object (it is null)");
        row("unknown key", fileOf("{'a':{'dtype':'U8','shape':[],'data_offsets':[0,1],'x':1}}", 1),
            "tensor \"a\": unknown key \"x\"");
        row("unknown dtype", fileOf("{'a':{'dtype':'Q7','shape':[],'data_offsets':[0,1]}}", 1),
            "tensor \"a\": dtype \"Q7\" is not a safetensors dtype");
        row("unsupported dtype", fileOf("{'a':{'dtype':'U16','shape':[],'data_offsets':[0,2]}}", 2),
            "tensor \"a\": dtype \"U16\" is not supported");
        row("lowercase dtype", fileOf("{'a':{'dtype':'f32','shape':[],'data_offsets':[0,4]}}", 4),
            "dtype \"f32\" is not a safetensors dtype");
        row("dtype not string", fileOf("{'a':{'dtype':4,'shape':[],'data_offsets':[0,4]}}", 4),
            "tensor \"a\": dtype is not a string (it is a number)");
        row("missing dtype", fileOf("{'a':{'shape':[],'data_offsets':[0,4]}}", 4), "tensor \"a\": missing dtype");
        row("missing shape", fileOf("{'a':{'dtype':'U8','data_offsets':[0,4]}}", 4), "tensor \"a\": missing shape");
        row("missing offsets", fileOf("{'a':{'dtype':'U8','shape':[4]}}", 4), "tensor \"a\": missing data_offsets");
        row("shape not array", fileOf("{'a':{'dtype':'U8','shape':4,'data_offsets':[0,4]}}", 4),
            "tensor \"a\": shape is not an array of non-negative integers (it is a number)");
        row("shape negative", fileOf("{'a':{'dtype':'U8','shape':[2,-2],'data_offsets':[0,4]}}", 4),
            "tensor \"a\": shape[1] is -2: not a non-negative integer (negative)");
        row("shape float", fileOf("{'a':{'dtype':'U8','shape':[1.5],'data_offsets':[0,4]}}", 4),
            "tensor \"a\": shape[0] is 1.5: not a non-negative integer");
        row("shape exponent", fileOf("{'a':{'dtype':'U8','shape':[4e0],'data_offsets':[0,4]}}", 4),
            "tensor \"a\": shape[0] is 4e0");
        row("shape nested", fileOf("{'a':{'dtype':'U8','shape':[[4]],'data_offsets':[0,4]}}", 4),
            "tensor \"a\": shape[0] is not a non-negative integer (it is an array)");
        row("shape string", fileOf("{'a':{'dtype':'U8','shape':['4'],'data_offsets':[0,4]}}", 4),
            "tensor \"a\": shape[0] is not a non-negative integer (it is a string)");
        row("shape above int64", fileOf("{'a':{'dtype':'U8','shape':[18446744073709551615],'data_offsets':[0,4]}}", 4),
            "shape[0] is 18446744073709551615, larger than a dimension can be");
        row("shape above uint64", fileOf("{'a':{'dtype':'U8','shape':[18446744073709551616],'data_offsets':[0,4]}}", 4),
            "shape[0] is 18446744073709551616: not a non-negative integer");
        row("huge shape",
            fileOf("{'a':{'dtype':'F32','shape':[4611686018427387904,4611686018427387904],'data_offsets':[0,4]}}", 4),
            "tensor \"a\": shape [4611686018427387904, 4611686018427387904] has more elements than fit");
        row("huge shape with zero",
            fileOf("{'a':{'dtype':'F32','shape':[4611686018427387904,0,4611686018427387904],'data_offsets':[0,0]}}"),
            "has more elements than fit");
        row("bytes overflow", fileOf("{'a':{'dtype':'F64','shape':[4611686018427387904],'data_offsets':[0,4]}}", 4),
            "needs more than 2^64");
        row("offsets one value", fileOf("{'a':{'dtype':'U8','shape':[4],'data_offsets':[4]}}", 4),
            "tensor \"a\": data_offsets must be [begin, end] (it has 1 value)");
        row("offsets three values", fileOf("{'a':{'dtype':'U8','shape':[4],'data_offsets':[0,4,4]}}", 4),
            "tensor \"a\": data_offsets must be [begin, end] (it has more values)");
        row("offsets not array", fileOf("{'a':{'dtype':'U8','shape':[4],'data_offsets':'0-4'}}", 4),
            "tensor \"a\": data_offsets is not [begin, end] (it is a string)");
        row("offsets negative", fileOf("{'a':{'dtype':'U8','shape':[4],'data_offsets':[-1,3]}}", 4),
            "tensor \"a\": data_offsets[0] is -1: not a non-negative integer");
        row("offsets float", fileOf("{'a':{'dtype':'U8','shape':[4],'data_offsets':[0,4.0]}}", 4),
            "tensor \"a\": data_offsets[1] is 4.0");
        row("begin after end", fileOf("{'a':{'dtype':'U8','shape':[0],'data_offsets':[4,0]}}", 4),
            "tensor \"a\": data_offsets [4, 0]: begin is after end");
        row("end past buffer", fileOf("{'a':{'dtype':'U8','shape':[8],'data_offsets':[0,8]}}", 4),
            "tensor \"a\": data_offsets [0, 8]: end is past the data buffer (4 bytes)");
        row("end huge", fileOf("{'a':{'dtype':'U8','shape':[8],'data_offsets':[0,18446744073709551615]}}", 4),
            "end is past the data buffer");
        row("wrong dtype size", fileOf("{'a':{'dtype':'F32','shape':[3],'data_offsets':[0,8]}}", 8),
            "tensor \"a\": data_offsets [0, 8] hold 8 bytes but shape [3] of F32 needs 12");
        row("overlap",
            fileOf("{'a':{'dtype':'U8','shape':[4],'data_offsets':[0,4]},'b':{'dtype':'U8','shape':[4],"
                   "'data_offsets':[2,6]}}",
                   6),
            "tensor \"b\": data_offsets [2, 6] overlap tensor \"a\" [0, 4]");
        row("same range",
            fileOf("{'a':{'dtype':'U8','shape':[4],'data_offsets':[0,4]},'b':{'dtype':'I32','shape':[1],"
                   "'data_offsets':[0,4]}}",
                   4),
            "overlap tensor");
        row("empty inside other",
            fileOf("{'a':{'dtype':'U8','shape':[4],'data_offsets':[0,4]},'b':{'dtype':'U8','shape':[0],"
                   "'data_offsets':[2,2]}}",
                   4),
            "tensor \"b\": data_offsets [2, 2] overlap tensor \"a\"");
        row("hole",
            fileOf("{'a':{'dtype':'U8','shape':[4],'data_offsets':[0,4]},'b':{'dtype':'U8','shape':[2],"
                   "'data_offsets':[6,8]}}",
                   8),
            "2 bytes of the data buffer at [4, 6) belong to no tensor (a hole before tensor \"b\")");
        row("hole at start", fileOf("{'a':{'dtype':'U8','shape':[2],'data_offsets':[2,4]}}", 4),
            "2 bytes of the data buffer at [0, 2) belong to no tensor");
        row("trailing bytes", fileOf("{'a':{'dtype':'U8','shape':[2],'data_offsets':[0,2]}}", 5),
            "the last 3 bytes of the data buffer (from offset 2) belong to no tensor");
        row("data without tensors", fileOf("{}", 3), "the last 3 bytes of the data buffer (from offset 0)");
        row("duplicate names",
            fileOf("{'a':{'dtype':'U8','shape':[2],'data_offsets':[0,2]},'a':{'dtype':'U8','shape':[2],"
                   "'data_offsets':[2,4]}}",
                   4),
            "duplicate tensor name \"a\"");
        row("duplicate field", fileOf("{'a':{'dtype':'U8','dtype':'I8','shape':[2],'data_offsets':[0,2]}}", 2),
            "tensor \"a\": duplicate key \"dtype\"");
        row("metadata not object", fileOf("{'__metadata__':['x']}"),
            "__metadata__ is not an object of strings (it is an array)");
        row("metadata null", fileOf("{'__metadata__':null}"), "__metadata__ is not an object of strings (it is null)");
        row("metadata value number", fileOf("{'__metadata__':{'k':1}}"),
            "__metadata__: value of \"k\" is not a string (it is a number)");
        row("metadata value object", fileOf("{'__metadata__':{'k':{}}}"),
            "__metadata__: value of \"k\" is not a string (it is an object)");
        row("metadata duplicate key", fileOf("{'__metadata__':{'k':'1','k':'2'}}"),
            "__metadata__: duplicate key \"k\"");
        row("metadata twice", fileOf("{'__metadata__':{},'__metadata__':{}}"), "duplicate \"__metadata__\"");
        row("name with newline", fileOf("{'a\\nb':{'dtype':'U8','shape':[1],'data_offsets':[0,2]}}", 2),
            "tensor \"a\\nb\": data_offsets [0, 2] hold 2 bytes");
    }

    void hostile() {
        QFETCH(QByteArray, file);
        QFETCH(QString, expected);
        QString error = errorOf(file);
        QVERIFY2(error.contains(expected), qPrintable("got: " + error));
        QVERIFY2(error.startsWith("hostile.safetensors: "), qPrintable(error));
        QVERIFY2(!error.contains('\n'), qPrintable(error));  // one line, whatever the file holds
    }

    // Prefixes of a valid file, and every byte replaced: errors, never crashes.
    void truncationsAndCorruptions() {
        QTemporaryDir dir;
        std::string path = dir.filePath("x.safetensors").toStdString();
        auto a = pattern(12, 1), b = pattern(2, 2);
        writeSafetensors(path, {{"a", DType::F32, {3}, spanOf(a)}, {"b", DType::BF16, {}, spanOf(b)}}, {{"k", "v"}});
        QByteArray whole = readFile(path);
        for (qsizetype n = 0; n < whole.size(); ++n) QVERIFY(errorOf(whole.left(n)) != "(no error)");
        QVERIFY(whole.size() < 200);
        for (qsizetype i = 0; i < whole.size(); ++i) {
            for (int value : {0, 0x20, 0x7B, 0xFF}) {
                QByteArray copy = whole;
                copy[i] = char(value);
                (void)errorOf(copy);  // either outcome, but no crash (ASan builds check more)
            }
        }
    }

    void openErrors() {
        QTemporaryDir dir;
        auto openError = [](const std::string &path) {
            try {
                SafetensorsFile::open(path);
            } catch (const SafetensorsError &e) {
                if (e.file() != path) return QStringLiteral("(error names another file)");
                return QString::fromStdString(e.what());
            }
            return QStringLiteral("(no error)");
        };
        std::string missing = dir.filePath("missing.safetensors").toStdString();
        QVERIFY(openError(missing).contains("missing.safetensors: cannot open: "));
        QVERIFY(openError(dir.path().toStdString()).contains("is a folder, not a file"));
        std::string empty = inoculab::test::writeFile(dir, "empty.safetensors", {});
        QVERIFY(openError(empty).contains("empty.safetensors: the file is 0 bytes"));
        std::string bad = inoculab::test::writeFile(dir, "bad.safetensors", fileOf("{'a':{'dtype':'F8'}}"));
        QVERIFY(openError(bad).contains("bad.safetensors: tensor \"a\": dtype \"F8\""));
    }

    void writerRefuses() {
        QTemporaryDir dir;
        std::string path = dir.filePath("out.safetensors").toStdString();
        auto four = pattern(4, 1), eight = pattern(8, 2);
        QVERIFY(writeError(path, {{"a", DType::F32, {2}, spanOf(four)}})
                    .contains("out.safetensors: tensor \"a\": 4 bytes of data, but shape [2] of F32 needs 8"));
        QVERIFY(writeError(path, {{"a", DType::U8, {4}, spanOf(four)}, {"a", DType::U8, {4}, spanOf(four)}})
                    .contains("duplicate tensor name \"a\""));
        QVERIFY(writeError(path, {{"__metadata__", DType::U8, {4}, spanOf(four)}}).contains("is reserved"));
        QVERIFY(writeError(path, {{"a", DType::U8, {-4}, spanOf(four)}}).contains("has a negative dimension"));
        constexpr std::int64_t k62 = std::int64_t(1) << 62;
        QVERIFY(writeError(path, {{"a", DType::U8, {k62, k62}, spanOf(four)}}).contains("more elements than fit"));
        QVERIFY(writeError(path, {{"a", DType::F64, {k62}, spanOf(four)}}).contains("needs more than 2^64"));
        QVERIFY(writeError(path, {{"bad\xFF", DType::U8, {4}, spanOf(four)}}).contains("name is not valid UTF-8"));
        QVERIFY(writeError(path, {}, {{"k", "\xC3"}}).contains("the value of \"k\" is not valid UTF-8"));
        QVERIFY(writeError(path, {}, {{"\xC3", "v"}}).contains("a key is not valid UTF-8"));
        QVERIFY(filesIn(dir).isEmpty());  // nothing written, no temporary left

        // A refused write leaves an existing file as it was.
        writeSafetensors(path, {{"old", DType::U8, {8}, spanOf(eight)}});
        QByteArray before = readFile(path);
        QVERIFY(writeError(path, {{"new", DType::U8, {4}, spanOf(four)}, {"x", DType::F32, {3}, spanOf(four)}}) !=
                "(no error)");
        QCOMPARE(readFile(path), before);
        QCOMPARE(filesIn(dir), QStringList{"out.safetensors"});

        QVERIFY(writeError(dir.filePath("no/such/folder/x.safetensors").toStdString(), {})
                    .contains("x.safetensors: cannot create output"));
    }

    // The writer replaces the file by rename, so a file already open keeps its old bytes.
    void replacedWhileOpen() {
        QTemporaryDir dir;
        std::string path = dir.filePath("m.safetensors").toStdString();
        auto one = pattern(8, 1), two = pattern(16, 2);
        writeSafetensors(path, {{"x", DType::U8, {8}, spanOf(one)}});
        SafetensorsFile old = SafetensorsFile::open(path);
        writeSafetensors(path, {{"y", DType::I64, {2}, spanOf(two)}});
        QCOMPARE(bytesOf(old, *old.find("x")), one);
        SafetensorsFile now = SafetensorsFile::open(path);
        QVERIFY(!now.find("x"));
        QCOMPARE(bytesOf(now, *now.find("y")), two);
        // A copy shares the mapping and outlives the original.
        SafetensorsFile copy = now;
        now = old;
        QCOMPARE(bytesOf(copy, *copy.find("y")), two);
    }
};

QTEST_GUILESS_MAIN(TestSafetensors)
#include "test_safetensors.moc"
