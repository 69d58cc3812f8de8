// Reads a JSONEachRow dump from a file or stdin ("-") in 1 MiB chunks into a reader, so input
// of any size is read in constant memory.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "source/jsoneachrow_reader.h"

namespace aesync {

//! Feeds the whole of `path` ("-" = stdin) to `reader` and finishes it. Throws InputError
//! (cannot open/read, naming the path) or whatever the reader throws. `on_read`, when given, is
//! called after each chunk with the bytes fed so far (a progress line).
void read_jsoneachrow_file(const std::string& path, JsonEachRowReader& reader,
                           const std::function<void(uint64_t)>& on_read = {});

}  // namespace aesync
