#pragma once
// Inoculab's own version (CMake's PROJECT_VERSION), for what the library records about itself:
// the provenance of each run in the results store.

namespace inoculab::common {

const char *inoculabVersion();

}  // namespace inoculab::common
