#include "model/safetensors.h"

#include "common/atomic_file.h"
#include "common/json_messages.h"
#include "data/record_parser.h"  // firstInvalidUtf8

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace inoculab::model {

namespace {

// The reference implementation's MAX_HEADER_SIZE: a header is a few kilobytes a thousand
// tensors, so anything larger is a broken or hostile file, refused before it is parsed.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;
constexpr std::uint64_t kMaxElements = std::numeric_limits<std::int64_t>::max();
constexpr std::string_view kMetadataKey = "__metadata__";

struct DTypeEntry {
    DType dtype;
    std::string_view name;
    std::size_t size;
};
constexpr std::array<DTypeEntry, 10> kDTypes{{
    {DType::F64, "F64", 8},
    {DType::F32, "F32", 4},
    {DType::F16, "F16", 2},
    {DType::BF16, "BF16", 2},
    {DType::I64, "I64", 8},
    {DType::I32, "I32", 4},
    {DType::I16, "I16", 2},
    {DType::I8, "I8", 1},
    {DType::U8, "U8", 1},
    {DType::Bool, "BOOL", 1},
}};
// Dtypes the format defines that DType leaves out, so that such a file gets "not supported"
// instead of "unknown".
constexpr std::array<std::string_view, 11> kOtherFormatDTypes{
    "U16", "U32", "U64", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64", "C128"};

const DTypeEntry &entryOf(DType dtype) {
    for (const DTypeEntry &e : kDTypes)
        if (e.dtype == dtype) return e;
    throw std::invalid_argument("not a DType value");
}

// Text from a file, made safe to print on one line: bytes outside printable ASCII as \xNN
// (names are shown JSON-escaped instead), and long text shortened in the middle.
std::string printable(std::string_view text) {
    constexpr std::size_t kMax = 200;
    std::string shortened;
    if (text.size() > kMax) {
        shortened = std::string(text.substr(0, kMax / 2)) + "..." + std::string(text.substr(text.size() - kMax / 2));
        text = shortened;
    }
    std::string out;
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7F) {
            out += c;
        } else {
            constexpr char kHex[] = "0123456789abcdef";
            out += "\\x";
            out += kHex[byte >> 4];
            out += kHex[byte & 15];
        }
    }
    return out;
}

// A name as a JSON string in ASCII (escapes for everything else), shortened: tensor names are
// chosen by whoever wrote the file and may hold newlines or be megabytes long.
std::string quotedName(std::string_view name) {
    std::string text = nlohmann::json(std::string(name)).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
    if (text.size() > 80) text = text.substr(0, 76) + "...\"";
    return text;
}

std::string shapeText(std::span<const std::int64_t> shape) {
    // A hostile shape may have millions of dimensions; the first few say enough.
    constexpr std::size_t kShown = 8;
    std::string out = "[";
    for (std::size_t i = 0; i < shape.size() && i < kShown; ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
    if (shape.size() > kShown) out += ", ... (" + std::to_string(shape.size()) + " dimensions)";
    return out + "]";
}

std::string rangeText(std::uint64_t begin, std::uint64_t end) {
    return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

// nlohmann's parse error without its "[json.exception.parse_error.101] parse error at line
// L, column C: " prefix: the caller gives the position as a byte of the header.
std::string syntaxReason(std::string_view message) {
    message = common::withoutJsonErrorPrefix(message);
    return printable(message);
}

std::uint64_t readLittleEndian64(const std::uint8_t *bytes) {
    std::uint64_t value = 0;
    for (int i = 7; i >= 0; --i) value = (value << 8) | bytes[i];
    return value;
}

// Reads the header through nlohmann's SAX interface straight into TensorInfos: no DOM (a
// 100 MB header of numbers would take gigabytes as nlohmann values), every duplicate key
// visible (the DOM parser keeps the last one silently), and each problem reported where it
// is found. Throws SafetensorsError at the first problem.
class HeaderReader : public nlohmann::json_sax<nlohmann::json> {
public:
    HeaderReader(const std::string &file, std::uint64_t dataSize) : m_file(file), m_dataSize(dataSize) {}

    std::vector<TensorInfo> tensors;
    std::map<std::string, std::string> metadata;

    bool complete() const { return m_state == State::Done; }

    bool null() override { return scalar("null"); }
    bool boolean(bool) override { return scalar("a boolean"); }
    bool number_integer(number_integer_t value) override {
        // nlohmann reports "-0" as a signed zero; it is still a non-negative integer.
        if (value >= 0) return number_unsigned(static_cast<number_unsigned_t>(value));
        return number(std::to_string(value), "negative");
    }
    bool number_unsigned(number_unsigned_t value) override {
        if (m_state == State::Shape) {
            if (value > kMaxElements)
                fail(shapeField() + " is " + std::to_string(value) + ", larger than a dimension can be (INT64_MAX)");
            m_entry.shape.push_back(static_cast<std::int64_t>(value));
            return true;
        }
        if (m_state == State::Offsets) {
            if (m_offsets.size() == 2) fail(tensorWhere() + ": data_offsets must be [begin, end] (it has more values)");
            m_offsets.push_back(value);
            return true;
        }
        return scalar("a number");
    }
    bool number_float(number_float_t, const string_t &text) override {
        return number(printable(text), "not an integer, or too large");
    }
    bool string(string_t &value) override {
        if (m_state == State::MetadataValue) {
            metadata.emplace(std::move(m_metadataKey), std::move(value));
            m_state = State::Metadata;
            return true;
        }
        if (m_state == State::EntryValue && m_field == Field::DType) {
            std::optional<DType> dtype = parseDType(value);
            if (!dtype) {
                bool known =
                    std::find(kOtherFormatDTypes.begin(), kOtherFormatDTypes.end(), value) != kOtherFormatDTypes.end();
                fail(tensorWhere() + ": dtype " + quotedName(value) +
                     (known ? " is not supported" : " is not a safetensors dtype") +
                     " (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
            }
            m_entry.dtype = *dtype;
            m_state = State::Entry;
            return true;
        }
        return scalar("a string");
    }
    bool binary(binary_t &) override { return scalar("binary"); }  // not produced by the JSON reader

    bool start_object(std::size_t) override {
        switch (m_state) {
            case State::Start: m_state = State::Root; return true;
            case State::RootValue:
                if (m_key == kMetadataKey) {
                    m_state = State::Metadata;
                } else {
                    m_entry = TensorInfo{};
                    m_entry.name = std::move(m_key);
                    m_seen = 0;
                    m_state = State::Entry;
                }
                return true;
            default: return scalar("an object");
        }
    }
    bool start_array(std::size_t) override {
        if (m_state == State::EntryValue && m_field == Field::Shape) {
            m_state = State::Shape;
            return true;
        }
        if (m_state == State::EntryValue && m_field == Field::Offsets) {
            m_offsets.clear();
            m_state = State::Offsets;
            return true;
        }
        return scalar("an array");
    }

    bool key(string_t &key) override {
        switch (m_state) {
            case State::Root:
                // Duplicate tensor names are found after parsing, by sorting the names.
                if (key == kMetadataKey) {
                    if (m_metadataSeen) fail("duplicate \"__metadata__\"");
                    m_metadataSeen = true;
                }
                m_key = std::move(key);
                m_state = State::RootValue;
                return true;
            case State::Metadata:
                if (metadata.count(key)) fail("__metadata__: duplicate key " + quotedName(key));
                m_metadataKey = std::move(key);
                m_state = State::MetadataValue;
                return true;
            case State::Entry: {
                Field field;
                if (key == "dtype")
                    field = Field::DType;
                else if (key == "shape")
                    field = Field::Shape;
                else if (key == "data_offsets")
                    field = Field::Offsets;
                else
                    fail(tensorWhere() + ": unknown key " + quotedName(key) + " (expected dtype, shape, data_offsets)");
                unsigned bit = 1u << static_cast<unsigned>(field);
                if (m_seen & bit) fail(tensorWhere() + ": duplicate key " + quotedName(key));
                m_seen |= bit;
                m_field = field;
                m_state = State::EntryValue;
                return true;
            }
            default: fail("unexpected key");  // nlohmann only reports keys inside objects
        }
    }

    bool end_object() override {
        switch (m_state) {
            case State::Root: m_state = State::Done; return true;
            case State::Metadata: m_state = State::Root; return true;
            case State::Entry:
                finishEntry();
                m_state = State::Root;
                return true;
            default: fail("unexpected end of object");
        }
    }
    bool end_array() override {
        if (m_state == State::Offsets && m_offsets.size() != 2)
            fail(tensorWhere() + ": data_offsets must be [begin, end] (it has " + std::to_string(m_offsets.size()) +
                 (m_offsets.size() == 1 ? " value)" : " values)"));
        if (m_state != State::Shape && m_state != State::Offsets) fail("unexpected end of array");
        m_state = State::Entry;
        return true;
    }

    bool parse_error(std::size_t position, const std::string &, const nlohmann::detail::exception &error) override {
        fail("header is not valid JSON (at header byte " + std::to_string(position) +
             "): " + syntaxReason(error.what()));
    }

private:
    enum class State { Start, Root, RootValue, Metadata, MetadataValue, Entry, EntryValue, Shape, Offsets, Done };
    enum class Field : unsigned { DType, Shape, Offsets };

    [[noreturn]] void fail(const std::string &reason) const { throw SafetensorsError(m_file, reason); }

    std::string tensorWhere() const { return "tensor " + quotedName(m_entry.name); }
    std::string shapeField() const { return tensorWhere() + ": shape[" + std::to_string(m_entry.shape.size()) + "]"; }
    std::string offsetsField() const {
        return tensorWhere() + ": data_offsets[" + std::to_string(m_offsets.size()) + "]";
    }

    bool number(const std::string &text, const char *why) {
        if (m_state == State::Shape) fail(shapeField() + " is " + text + ": not a non-negative integer (" + why + ")");
        if (m_state == State::Offsets)
            fail(offsetsField() + " is " + text + ": not a non-negative integer (" + why + ")");
        return scalar("a number");
    }

    // A value of the wrong kind for where it is; `kind` says what it is ("a string", ...).
    bool scalar(const char *kind) {
        std::string it = std::string(" (it is ") + kind + ")";
        switch (m_state) {
            case State::Start: fail("header is not a JSON object" + it);
            case State::RootValue:
                if (m_key == kMetadataKey) fail("__metadata__ is not an object of strings" + it);
                fail("tensor " + quotedName(m_key) + ": entry is not an object" + it);
            case State::MetadataValue:
                fail("__metadata__: value of " + quotedName(m_metadataKey) + " is not a string" + it);
            case State::EntryValue:
                switch (m_field) {
                    case Field::DType: fail(tensorWhere() + ": dtype is not a string" + it);
                    case Field::Shape: fail(tensorWhere() + ": shape is not an array of non-negative integers" + it);
                    case Field::Offsets: fail(tensorWhere() + ": data_offsets is not [begin, end]" + it);
                }
                break;
            case State::Shape: fail(shapeField() + " is not a non-negative integer" + it);
            case State::Offsets: fail(offsetsField() + " is not a non-negative integer" + it);
            default: break;
        }
        fail("unexpected value" + it);
    }

    void finishEntry() {
        const char *missing = !(m_seen & 1u)   ? "dtype"
                              : !(m_seen & 2u) ? "shape"
                              : !(m_seen & 4u) ? "data_offsets"
                                               : nullptr;
        if (missing) fail(tensorWhere() + ": missing " + missing);
        std::optional<std::uint64_t> elements = checkedElements(m_entry.shape);
        if (!elements)
            fail(tensorWhere() + ": shape " + shapeText(m_entry.shape) +
                 " has more elements than fit in a 64-bit signed integer");
        std::uint64_t begin = m_offsets[0], end = m_offsets[1];
        if (begin > end) fail(tensorWhere() + ": data_offsets " + rangeText(begin, end) + ": begin is after end");
        if (end > m_dataSize)
            fail(tensorWhere() + ": data_offsets " + rangeText(begin, end) + ": end is past the data buffer (" +
                 std::to_string(m_dataSize) + " bytes)");
        std::uint64_t needed = 0;
        bool overflow = __builtin_mul_overflow(*elements, dtypeSize(m_entry.dtype), &needed);
        if (overflow || needed != end - begin)
            fail(tensorWhere() + ": data_offsets " + rangeText(begin, end) + " hold " + std::to_string(end - begin) +
                 " bytes but shape " + shapeText(m_entry.shape) + " of " + std::string(dtypeName(m_entry.dtype)) +
                 " needs " + (overflow ? "more than 2^64" : std::to_string(needed)));
        m_entry.begin = begin;
        m_entry.end = end;
        tensors.push_back(std::move(m_entry));
    }

    const std::string &m_file;
    std::uint64_t m_dataSize;
    State m_state = State::Start;
    std::string m_key;  // the current key of the root object
    std::string m_metadataKey;
    bool m_metadataSeen = false;
    TensorInfo m_entry;   // the entry being read
    unsigned m_seen = 0;  // bit per Field already given in m_entry
    Field m_field = Field::DType;
    std::vector<std::uint64_t> m_offsets;
};

// Tensors must tile the data buffer: sorted by range, each starts where the previous one
// ended and the last ends at the buffer's end. Like the reference implementation: overlaps
// would let one write change two tensors, and holes hide bytes no tool shows.
void checkLayout(const std::vector<TensorInfo> &tensors, std::uint64_t dataSize, const std::string &file) {
    std::vector<std::size_t> order(tensors.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return std::pair(tensors[a].begin, tensors[a].end) < std::pair(tensors[b].begin, tensors[b].end);
    });
    std::uint64_t cursor = 0;
    const TensorInfo *previous = nullptr;
    for (std::size_t i : order) {
        const TensorInfo &t = tensors[i];
        if (t.begin < cursor)
            throw SafetensorsError(file, "tensor " + quotedName(t.name) + ": data_offsets " +
                                             rangeText(t.begin, t.end) + " overlap tensor " +
                                             quotedName(previous->name) + " " +
                                             rangeText(previous->begin, previous->end));
        if (t.begin > cursor)
            throw SafetensorsError(file, std::to_string(t.begin - cursor) + " bytes of the data buffer at [" +
                                             std::to_string(cursor) + ", " + std::to_string(t.begin) +
                                             ") belong to no tensor (a hole before tensor " + quotedName(t.name) + ")");
        cursor = t.end;
        previous = &t;
    }
    if (cursor != dataSize)
        throw SafetensorsError(file, "the last " + std::to_string(dataSize - cursor) +
                                         " bytes of the data buffer (from offset " + std::to_string(cursor) +
                                         ") belong to no tensor");
}

}  // namespace

std::size_t dtypeSize(DType dtype) { return entryOf(dtype).size; }

std::string_view dtypeName(DType dtype) { return entryOf(dtype).name; }

std::optional<DType> parseDType(std::string_view name) {
    for (const DTypeEntry &e : kDTypes)
        if (e.name == name) return e.dtype;
    return std::nullopt;
}

std::optional<std::uint64_t> checkedElements(std::span<const std::int64_t> shape) {
    // Zero dimensions make the count 0, but the others must still multiply without overflow:
    // [0, 2^62, 2^62] is refused whatever the order of its dimensions.
    std::uint64_t product = 1;
    bool zero = false;
    for (std::int64_t d : shape) {
        if (d < 0) return std::nullopt;
        if (d == 0) {
            zero = true;
            continue;
        }
        if (__builtin_mul_overflow(product, static_cast<std::uint64_t>(d), &product) || product > kMaxElements)
            return std::nullopt;
    }
    return zero ? 0 : product;
}

std::uint64_t TensorInfo::elements() const {
    std::uint64_t product = 1;
    for (std::int64_t d : shape) product *= static_cast<std::uint64_t>(d);  // exact for validated shapes
    return product;
}

SafetensorsFile SafetensorsFile::parse(std::shared_ptr<const void> owner, std::span<const std::uint8_t> all,
                                       const std::string &name) {
    auto fail = [&](const std::string &reason) { throw SafetensorsError(name, reason); };
    if (all.size() < 8)
        fail("the file is " + std::to_string(all.size()) +
             " bytes, shorter than the 8-byte header length that starts a safetensors file");
    std::uint64_t headerSize = readLittleEndian64(all.data());
    if (headerSize > kMaxHeaderBytes)
        fail("header length " + std::to_string(headerSize) + " is larger than the limit of " +
             std::to_string(kMaxHeaderBytes) + " bytes");
    if (headerSize > all.size() - 8)
        fail("header length " + std::to_string(headerSize) + " runs past the end of the file (" +
             std::to_string(all.size() - 8) + " bytes follow the length)");
    std::string_view header(reinterpret_cast<const char *>(all.data() + 8), headerSize);
    if (auto bad = data::firstInvalidUtf8(header))
        fail("header is not valid UTF-8 (at header byte " + std::to_string(*bad) + ")");
    // nlohmann's lexer takes a NUL byte for the end of the input, so "{}\0anything" would pass
    // as "{}". JSON has no raw NUL anywhere (inside strings it must be escaped), so refuse it.
    if (std::size_t nul = header.find('\0'); nul != std::string_view::npos)
        fail("header is not valid JSON (NUL byte at header byte " + std::to_string(nul) + ")");

    SafetensorsFile file;
    file.m_name = name;
    file.m_owner = std::move(owner);
    file.m_dataOffset = 8 + headerSize;
    file.m_data = all.subspan(8 + headerSize);

    HeaderReader reader(name, file.m_data.size());
    bool parsed = false;
    try {
        parsed = nlohmann::json::sax_parse(header.begin(), header.end(), &reader);
    } catch (const nlohmann::json::exception &e) {
        // The reader reports errors itself; this only guards against nlohmann throwing anyway.
        fail("header is not valid JSON: " + syntaxReason(e.what()));
    }
    if (!parsed || !reader.complete()) fail("header is not valid JSON");

    file.m_tensors = std::move(reader.tensors);
    file.m_metadata = std::move(reader.metadata);
    std::sort(file.m_tensors.begin(), file.m_tensors.end(),
              [](const TensorInfo &a, const TensorInfo &b) { return a.name < b.name; });
    for (std::size_t i = 1; i < file.m_tensors.size(); ++i)
        if (file.m_tensors[i].name == file.m_tensors[i - 1].name)
            fail("duplicate tensor name " + quotedName(file.m_tensors[i].name));
    checkLayout(file.m_tensors, file.m_data.size(), name);
    return file;
}

SafetensorsFile SafetensorsFile::open(const std::string &path) {
    auto fail = [&](const std::string &reason) { throw SafetensorsError(path, reason); };
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(std::string("cannot open: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int error = errno;
        ::close(fd);
        fail(std::string("cannot read: ") + std::strerror(error));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        fail(S_ISDIR(st.st_mode) ? "is a folder, not a file" : "is not a regular file");
    }
    auto size = static_cast<std::uint64_t>(st.st_size);
    if (size == 0) {
        ::close(fd);
        return parse(nullptr, {}, path);  // mmap refuses empty mappings; parse reports the size
    }
    void *mapped = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    int error = errno;
    ::close(fd);  // the mapping keeps the file open
    if (mapped == MAP_FAILED) fail(std::string("cannot map into memory: ") + std::strerror(error));
    std::shared_ptr<const void> owner(mapped, [size](const void *p) { ::munmap(const_cast<void *>(p), size); });
    return parse(std::move(owner), {static_cast<const std::uint8_t *>(mapped), size}, path);
}

SafetensorsFile SafetensorsFile::fromBytes(std::vector<std::uint8_t> bytes, const std::string &name) {
    auto owner = std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes));
    std::span<const std::uint8_t> all(owner->data(), owner->size());
    return parse(std::move(owner), all, name);
}

const TensorInfo *SafetensorsFile::find(std::string_view name) const {
    auto it = std::lower_bound(m_tensors.begin(), m_tensors.end(), name,
                               [](const TensorInfo &t, std::string_view n) { return t.name < n; });
    return it != m_tensors.end() && it->name == name ? &*it : nullptr;
}

std::span<const std::uint8_t> SafetensorsFile::bytes(const TensorInfo &info) const {
    // Infos from this file were checked at open; this catches an info from another file.
    if (info.begin > info.end || info.end > m_data.size())
        throw std::out_of_range("tensor " + quotedName(info.name) + " is not a tensor of " + m_name);
    return m_data.subspan(info.begin, info.end - info.begin);
}

void writeSafetensors(const std::string &path, const std::vector<TensorToWrite> &tensors,
                      const std::map<std::string, std::string> &metadata) {
    auto fail = [&](const std::string &reason) { throw SafetensorsError(path, reason); };

    // Everything is checked before the output is created, so a refusal leaves no file behind.
    std::vector<const TensorToWrite *> order;
    order.reserve(tensors.size());
    for (const TensorToWrite &t : tensors) order.push_back(&t);
    std::sort(order.begin(), order.end(),
              [](const TensorToWrite *a, const TensorToWrite *b) { return a->name < b->name; });
    for (std::size_t i = 0; i < order.size(); ++i) {
        const TensorToWrite &t = *order[i];
        std::string where = "tensor " + quotedName(t.name);
        if (i > 0 && order[i - 1]->name == t.name) fail("duplicate tensor name " + quotedName(t.name));
        if (t.name == kMetadataKey) fail("\"__metadata__\" is reserved and cannot name a tensor");
        if (data::firstInvalidUtf8(t.name)) fail(where + ": the name is not valid UTF-8");
        if (std::any_of(t.shape.begin(), t.shape.end(), [](std::int64_t d) { return d < 0; }))
            fail(where + ": shape " + shapeText(t.shape) + " has a negative dimension");
        std::optional<std::uint64_t> elements = checkedElements(t.shape);
        if (!elements)
            fail(where + ": shape " + shapeText(t.shape) + " has more elements than fit in a 64-bit signed integer");
        std::uint64_t needed = 0;
        bool overflow = __builtin_mul_overflow(*elements, dtypeSize(t.dtype), &needed);
        if (overflow || needed != t.data.size())
            fail(where + ": " + std::to_string(t.data.size()) + " bytes of data, but shape " + shapeText(t.shape) +
                 " of " + std::string(dtypeName(t.dtype)) + " needs " +
                 (overflow ? "more than 2^64" : std::to_string(needed)));
    }
    for (const auto &[key, value] : metadata) {
        if (data::firstInvalidUtf8(key)) fail("__metadata__: a key is not valid UTF-8");
        if (data::firstInvalidUtf8(value))
            fail("__metadata__: the value of " + quotedName(key) + " is not valid UTF-8");
    }

    // Built as text rather than as an nlohmann object: the order is ours ("__metadata__",
    // then names in order, each entry as dtype, shape, data_offsets, like the Python writer).
    std::string header = "{";
    if (!metadata.empty()) header += "\"__metadata__\":" + nlohmann::json(metadata).dump();
    std::uint64_t offset = 0;
    for (const TensorToWrite *t : order) {
        if (header.size() > 1) header += ',';
        header += nlohmann::json(t->name).dump();
        header +=
            ":{\"dtype\":\"" + std::string(dtypeName(t->dtype)) + "\",\"shape\":" + nlohmann::json(t->shape).dump();
        header += ",\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + t->data.size()) + "]}";
        offset += t->data.size();
    }
    header += '}';
    // Spaces are JSON whitespace, so readers ignore them; the data buffer then starts 8-byte
    // aligned, as the reference writer does.
    header.append((8 - header.size() % 8) % 8, ' ');
    if (header.size() > kMaxHeaderBytes)
        fail("the header would be " + std::to_string(header.size()) + " bytes, more than readers accept (" +
             std::to_string(kMaxHeaderBytes) + ")");

    std::array<char, 8> length{};
    for (std::size_t i = 0; i < 8; ++i) length[i] = static_cast<char>((header.size() >> (8 * i)) & 0xFF);
    try {
        common::AtomicFileWriter out(path);
        out.write({length.data(), length.size()});
        out.write(header);
        for (const TensorToWrite *t : order)
            out.write({reinterpret_cast<const char *>(t->data.data()), t->data.size()});
        out.commit();
    } catch (const SafetensorsError &) {
        throw;
    } catch (const common::InputError &e) {
        fail(e.reason());
    }
}

}  // namespace inoculab::model
