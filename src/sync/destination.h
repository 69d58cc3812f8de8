// Opens the configured destination ([destination] type = local | s3 | r2) as an ObjectStore.
#pragma once

#include <memory>

#include "config/config.h"
#include "storage/object_store.h"

namespace aesync {

std::unique_ptr<ObjectStore> open_destination(const Config& config);

}  // namespace aesync
