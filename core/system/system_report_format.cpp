#include "system/system_report.h"

#include <sstream>

// The text form of the report, apart from systemReport(): it needs no libtorch, so the GUI
// formats the worker's JSON itself instead of asking the worker twice.

namespace inoculab::system {

std::string formatSystemReport(const nlohmann::json &r) {
    std::ostringstream out;
    auto text = [](const nlohmann::json &v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
    out << "Inoculab " << text(r["inoculab"]["version"]) << " (built against " << text(r["inoculab"]["built_against"])
        << ")\n";
    out << "libtorch " << text(r["libtorch"]["version"]) << " from " << text(r["libtorch"]["library"]) << '\n';
    if (r["cuda"]["usable"].get<bool>())
        out << "CUDA: " << text(r["cuda"]["devices"]) << " device(s) usable\n";
    else
        out << "CUDA: not used: " << text(r["cuda"]["why_not"]) << '\n';
    const nlohmann::json &gpus = r["gpus"];
    if (gpus["gpus"].empty()) out << "GPUs: none (" << text(gpus["source"]) << ")\n";
    for (const nlohmann::json &g : gpus["gpus"])
        out << "GPU " << text(g["index"]) << ": " << text(g["name"]) << ", "
            << g["memory_total_bytes"].get<double>() / (1 << 30) << " GiB (" << g["memory_free_bytes"].get<double>() / (1 << 30)
            << " free), compute " << text(g["compute_capability"]) << (g["bf16"].get<bool>() ? ", bf16" : ", no bf16")
            << '\n';
    const nlohmann::json &blas = r["blas"];
    out << "BLAS: " << text(blas["library"]);
    if (blas.contains("config")) out << " (" << text(blas["config"]) << ", kernels " << text(blas.value("kernels", "?")) << ")";
    out << '\n';
    const nlohmann::json &t = r["threads"];
    out << "threads: " << text(t["cores"]) << " cores, torch " << text(t["torch_intra_op"]) << " intra-op / "
        << text(t["torch_inter_op"]) << " inter-op, OMP_NUM_THREADS " << text(t["OMP_NUM_THREADS"])
        << ", OPENBLAS_NUM_THREADS " << text(t["OPENBLAS_NUM_THREADS"]) << '\n';
    out << "CPU: " << text(r["cpu"]) << '\n';
    return out.str();
}

}  // namespace inoculab::system
