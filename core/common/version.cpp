#include "common/version.h"

namespace inoculab::common {

// INOCULAB_VERSION is defined for this file alone (core/CMakeLists.txt): a new version
// recompiles one file.
const char *inoculabVersion() { return INOCULAB_VERSION; }

}  // namespace inoculab::common
