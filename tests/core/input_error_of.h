#pragma once
// What a suite checks of bad input: the message (and file) of the common::InputError a call
// throws, so that a test names the field it expects to see named.
#include "common/input_error.h"

#include <QString>

#include <exception>
#include <string>

namespace inoculab::test {

// what() of the InputError `f` throws (its file into *file), or "(no error)" /
// "(other exception) ...".
template <typename F>
QString inputErrorOf(F &&f, std::string *file = nullptr) {
    try {
        f();
    } catch (const common::InputError &e) {
        if (file) *file = e.file();
        return QString::fromStdString(e.what());
    } catch (const std::exception &e) {
        return QStringLiteral("(other exception) ") + QString::fromStdString(e.what());
    }
    return QStringLiteral("(no error)");
}

}  // namespace inoculab::test
