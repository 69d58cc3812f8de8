#include "source/window_source.h"

#include "util/time.h"

namespace aesync {

std::string Window::describe() const { return "[" + format_rfc3339(start) + ", " + format_rfc3339(end) + ")"; }

}  // namespace aesync
