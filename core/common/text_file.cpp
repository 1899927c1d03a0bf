#include "common/text_file.h"

#include "common/input_error.h"

#include <fstream>
#include <sstream>

namespace inoculab::common {

std::string readTextFile(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path, 0, "cannot be read");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw InputError(path, 0, "cannot be read");
    return text.str();
}

}  // namespace inoculab::common
