// Text helpers shared by every stage: the one way to put untrusted text (a server's answer, a
// config value, a line of input, a Parquet string) into a message or a terminal, trim(), and the
// edit distance behind every "did you mean" (config keys, commands, flags).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace aesync {

//! Untrusted text made safe for a one-line message: registered secrets redacted first (so that
//! a cut cannot leave a secret's prefix), then well-formed printable UTF-8 kept as is, `\n`
//! `\t` `\r` written as those escapes, every other control character (C0, DEL, C1) as
//! `\u00XX`, and each byte of ill-formed UTF-8 as `\xNN`. Text longer than `max_bytes` (of
//! the redacted input) is cut before the first character that does not fit and ends in "…".
//! `max_bytes` = 0 means no limit.
std::string shown(std::string_view text, size_t max_bytes = 0);

//! `s` without leading and trailing ASCII white space (space, \t, \r, \n, \f, \v).
std::string_view trim(std::string_view s);

//! Optimal string alignment distance: Levenshtein plus adjacent transpositions ("windwo").
size_t edit_distance(std::string_view a, std::string_view b);

//! The candidate closest to `word` within an edit distance of 2 (the first of equally close
//! ones), or "" when none is that close: what a "did you mean" suggests.
std::string_view nearest(std::string_view word, const std::vector<std::string>& candidates);
//! The answer points into `candidates`: a temporary list would leave it dangling.
std::string_view nearest(std::string_view word, const std::vector<std::string>&& candidates) = delete;

}  // namespace aesync
