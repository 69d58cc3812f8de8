// Minimal JSON text building for manifests, logs and `--json` outputs: escaping and number
// formatting in one place.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace aesync::json {

//! Appends `s` as a JSON string literal (quotes included). Control characters are escaped;
//! bytes >= 0x80 are copied as they are (callers hand in UTF-8).
void append_string(std::string& out, std::string_view s);
//! A double in shortest round-trip form; NaN and infinities (not JSON numbers) as strings.
void append_double(std::string& out, double v);
std::string quote(std::string_view s);

}  // namespace aesync::json
