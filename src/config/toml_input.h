// The config text before toml++ sees it, and the files a config names: a bounded file read
// (the config itself, `<key>_file` secrets) and the guard against the code points toml++ 3.3
// mishandles (undefined behaviour in its parser, marzer/tomlplusplus#190, #295). Internal to
// the config stage.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace aesync::config_input {

// A `_file` holding a secret is a few hundred bytes; the cap stops `/dev/zero` and friends.
constexpr uintmax_t kMaxSecretFileBytes = 64 * 1024;
constexpr uintmax_t kMaxConfigFileBytes = 16 * 1024 * 1024;

//! Reads at most `limit` bytes of a file into `out`; false with a reason ("is a directory",
//! strerror, "is larger than N KiB") on failure.
bool read_file(const std::filesystem::path& path, uintmax_t limit, std::string& out, std::string& reason);

//! Where toml++ would meet a code point it mishandles: outside strings and comments, and in a
//! multi-line basic string right after a backslash. True with the 1-based line and column (in
//! code points), the code point and whether it is inside a string; false when the text is safe
//! to hand to toml++.
bool find_toml_hazard(std::string_view text, size_t& line, size_t& column, uint32_t& code_point, bool& in_string);

}  // namespace aesync::config_input
