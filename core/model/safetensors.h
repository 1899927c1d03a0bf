#pragma once
// Safetensors (https://github.com/huggingface/safetensors) reading and writing without torch:
// model weights come from files other people wrote, so every byte of the header is checked
// before any tensor is handed out. The training engine turns TensorInfo + bytes into torch
// tensors itself; this layer stays in inoculab_core so tools can inspect weights cheaply.
//
// Layout: 8-byte little-endian u64 N, N bytes of UTF-8 JSON (may end in spaces), then the
// data buffer. The JSON maps each tensor name to {"dtype", "shape", "data_offsets": [begin,
// end]} (offsets relative to the data buffer), plus an optional "__metadata__" object of
// strings. Like the reference implementation, tensors must tile the data buffer exactly.

#include "common/input_error.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace inoculab::model {

// Only the element types the engine can load. Other dtypes of the format (U16, F8_E4M3, ...)
// are reported as unsupported rather than mapped to something they are not.
enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

std::size_t dtypeSize(DType dtype);
// The format's spelling: "F32", "BF16", "BOOL", ...
std::string_view dtypeName(DType dtype);
// Case-sensitive, as the format is; nullopt for names that are not one of DType.
std::optional<DType> parseDType(std::string_view name);

// A corrupt, hostile or unreadable file, or inputs the writer refuses. what() is
// "FILE: reason"; the reason names the tensor or field at fault.
class SafetensorsError : public common::InputError {
public:
    SafetensorsError(std::string file, std::string reason)
        : common::InputError(std::move(file), 0, std::move(reason)) {}
};

struct TensorInfo {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;   // [] is a scalar (one element)
    std::uint64_t begin = 0, end = 0;  // byte range in the data buffer

    // The product of the shape (0 if any dimension is 0). Exact for infos read from a file or
    // accepted by the writer, which both refuse shapes whose product exceeds INT64_MAX.
    std::uint64_t elements() const;

    bool operator==(const TensorInfo &) const = default;
};

// The element count of `shape`, or nullopt when a dimension is negative or the product of
// the non-zero dimensions exceeds INT64_MAX (torch's numel is int64).
std::optional<std::uint64_t> checkedElements(std::span<const std::int64_t> shape);

// A read-only, validated view of one file. Cheap to copy: copies share the bytes.
class SafetensorsFile {
public:
    // Maps the file (read-only, MAP_PRIVATE) and validates it. Throws SafetensorsError naming
    // the path and the reason. The mapping relies on the file not being truncated while it is
    // open (bytes past a new end would fault); the project's writers replace files by rename
    // (AtomicFileWriter), which leaves an open mapping intact.
    static SafetensorsFile open(const std::string &path);
    // Validates bytes held in memory; `name` stands for the file in error messages.
    static SafetensorsFile fromBytes(std::vector<std::uint8_t> bytes, const std::string &name);

    // Sorted by name (byte order), whatever the order of the header's keys, so that two files
    // with the same tensors list them the same way and find() is a binary search.
    const std::vector<TensorInfo> &tensors() const { return m_tensors; }
    const TensorInfo *find(std::string_view name) const;
    const std::map<std::string, std::string> &metadata() const { return m_metadata; }
    // The tensor's bytes (little-endian, row-major). `info` must come from this file's
    // tensors(); its range was checked against the data buffer when the file was opened.
    std::span<const std::uint8_t> bytes(const TensorInfo &info) const;

    const std::string &name() const { return m_name; }
    // Where the data buffer starts in the file: 8 + header length.
    std::uint64_t dataOffset() const { return m_dataOffset; }

private:
    SafetensorsFile() = default;
    static SafetensorsFile parse(std::shared_ptr<const void> owner, std::span<const std::uint8_t> all,
                                 const std::string &name);

    std::string m_name;
    std::shared_ptr<const void> m_owner;   // keeps the mapping or the vector alive
    std::span<const std::uint8_t> m_data;  // the data buffer
    std::uint64_t m_dataOffset = 0;
    std::vector<TensorInfo> m_tensors;
    std::map<std::string, std::string> m_metadata;
};

struct TensorToWrite {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;
    std::span<const std::uint8_t> data;  // elements * dtypeSize bytes, little-endian, row-major
};

// Writes a safetensors file atomically (whole or not at all; an existing file is replaced
// only on success). Refuses, before anything is written: duplicate names, the reserved name
// "__metadata__", names or metadata that are not UTF-8, negative or overflowing shapes, and
// data whose size is not elements * dtypeSize. Tensors are laid out in name order without
// gaps; the header is compact JSON ("__metadata__" first when there is any, then tensors in
// name order) padded with spaces so that the data buffer starts at a multiple of 8.
// Throws SafetensorsError naming the path.
void writeSafetensors(const std::string &path, const std::vector<TensorToWrite> &tensors,
                      const std::map<std::string, std::string> &metadata = {});

}  // namespace inoculab::model
