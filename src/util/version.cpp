#include "util/version.h"

namespace aesync {

const char* version() { return AESYNC_VERSION; }
const char* build_rev() { return AESYNC_BUILD_REV; }
const char* build_date() { return AESYNC_BUILD_DATE; }
std::string version_line() {
  return std::string("aesync ") + version() + " (build " + build_rev() + ", " + build_date() + ")";
}
std::string created_by() { return std::string("aesync version ") + version() + " (build " + build_rev() + ")"; }

}  // namespace aesync
