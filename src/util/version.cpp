#include "util/version.h"

namespace aesync {

const char* version() { return AESYNC_VERSION; }
const char* build_rev() { return AESYNC_BUILD_REV; }
std::string created_by() { return std::string("aesync version ") + version() + " (build " + build_rev() + ")"; }

}  // namespace aesync
