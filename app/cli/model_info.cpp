#include "model_info.h"

#include "exit_codes.h"

#include "model/hf/hf_folder.h"

#include <CLI/CLI.hpp>

#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

namespace inoculab::cli {

namespace {

std::string shapeText(const std::vector<std::int64_t> &shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

// 124439808 -> "124.4M"
std::string humanCount(std::uint64_t n) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(1);
    if (n >= 1000000000ULL)
        s << n / 1e9 << "B";
    else if (n >= 1000000ULL)
        s << n / 1e6 << "M";
    else if (n >= 1000ULL)
        s << n / 1e3 << "K";
    else
        return std::to_string(n);
    return s.str();
}

void row(std::ostream &out, const char *label, const std::string &value) {
    out << std::left << std::setw(22) << label << value << '\n';
}

}  // namespace

int runModelInfo(const std::string &path, std::ostream &out) {
    model::hf::HfModelFolder folder = model::hf::HfModelFolder::open(path);
    row(out, "path", path);
    if (const auto &config = folder.config()) {
        const model::hf::HfConfig &c = *config;
        std::string arch = c.family;
        if (!c.architectures.empty()) arch += " (" + c.architectures.front() + ")";
        row(out, "architecture", arch);
        row(out, "layers", std::to_string(c.layers));
        row(out, "heads",
            std::to_string(c.heads) + " (" + std::to_string(c.kvHeads) + " key/value, head dim " +
                std::to_string(c.headDim) + ")");
        row(out, "hidden size", std::to_string(c.hiddenSize) + " (MLP " + std::to_string(c.intermediateSize) + ")");
        row(out, "vocabulary", std::to_string(c.vocabSize));
        row(out, "context", std::to_string(c.maxPositions) + " tokens");
        row(out, "tied embeddings", c.tieWordEmbeddings ? "yes" : "no");
        if (c.ropeScaling) row(out, "rope scaling", "llama3, factor " + std::to_string(c.ropeScaling->factor));
        if (!c.torchDtype.empty()) row(out, "config dtype", c.torchDtype);
    } else {
        row(out, "architecture", "unknown (a lone weights file, no config.json)");
    }
    std::uint64_t params = folder.parameterCount();
    row(out, "parameters", std::to_string(params) + " (" + humanCount(params) + ")");
    std::string dtypes;
    for (const auto &[dtype, elements] : folder.elementsByDtype())
        dtypes +=
            (dtypes.empty() ? "" : ", ") + std::string(model::dtypeName(dtype)) + " (" + humanCount(elements) + ")";
    row(out, "dtypes", dtypes);
    std::vector<std::string> files = folder.weightFiles();
    row(out, "weight files", std::to_string(files.size()));
    row(out, "tensors", std::to_string(folder.tensorNames().size()));
    out << '\n';
    for (const std::string &name : folder.tensorNames()) {
        const model::TensorInfo &info = *folder.find(name).info;
        out << "  " << std::left << std::setw(52) << name << ' ' << std::setw(5) << model::dtypeName(info.dtype) << ' '
            << shapeText(info.shape) << '\n';
    }
    return kExitOk;
}

void addModelInfoCommand(CLI::App &modelCommand, CommandAction &action) {
    auto path = std::make_shared<std::string>();
    CLI::App *info = modelCommand.add_subcommand(
        "info", "Architecture, sizes, parameter count, dtypes and tensors of a Hugging Face model folder");
    info->add_option("PATH", *path, "Model folder (config.json + safetensors) or a .safetensors file")->required();
    info->callback([&action, path] { action = [path] { return runModelInfo(*path, std::cout); }; });
}

}  // namespace inoculab::cli
