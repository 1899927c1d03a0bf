#pragma once
// Running the plain-PyTorch reference (tests/reference/hf_logits.py) from a suite: finding a
// python3 that imports torch, and reading the raw float32 logits it writes.
#include <QProcess>
#include <QString>
#include <QStringList>

#include <torch/torch.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace inoculab::test {

// Debian's python3-torch is installed for /usr/bin/python3, which need not be the first
// python3 on PATH; $INOCULAB_PYTHON overrides both.
inline QString pythonWithTorch() {
    QStringList candidates;
    if (const char *env = std::getenv("INOCULAB_PYTHON")) candidates << QString::fromLocal8Bit(env);
    candidates << QStringLiteral("/usr/bin/python3") << QStringLiteral("python3");
    for (const QString &python : candidates) {
        QProcess p;
        p.start(python, {QStringLiteral("-c"), QStringLiteral("import torch")});
        if (p.waitForFinished(120000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0) return python;
    }
    return {};
}

inline torch::Tensor readFloats(const std::string &path, c10::IntArrayRef shape) {
    std::ifstream in(path, std::ios::binary);
    torch::Tensor t = torch::empty(shape, torch::kFloat);
    in.read(static_cast<char *>(t.data_ptr()), static_cast<std::streamsize>(t.nbytes()));
    if (!in) qFatal("cannot read %s", path.c_str());
    return t;
}

}  // namespace inoculab::test
