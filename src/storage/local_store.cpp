#include "storage/local_store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "storage/file_output.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace aesync {

LocalStore::LocalStore(std::string root) : root_(fs::absolute(root).lexically_normal().string()) {
  if (!root_.empty() && root_.back() == '/') root_.pop_back();
}

std::string LocalStore::describe(const std::string& key) const { return root_ + "/" + key; }

std::unique_ptr<ObjectUpload> LocalStore::begin_upload(const std::string& key) {
  validate_key(key);
  return std::make_unique<AtomicFile>(describe(key));
}

std::optional<std::string> LocalStore::get(const std::string& key) {
  validate_key(key);
  std::ifstream in(describe(key), std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw StorageError("cannot read " + describe(key));
  return ss.str();
}

std::optional<ObjectInfo> LocalStore::head(const std::string& key) {
  validate_key(key);
  std::error_code ec;
  auto st = fs::status(describe(key), ec);
  if (ec || !fs::is_regular_file(st)) return std::nullopt;
  return ObjectInfo{key, fs::file_size(describe(key), ec)};
}

std::vector<ObjectInfo> LocalStore::list(const std::string& prefix) {
  std::vector<ObjectInfo> out;
  std::error_code ec;
  if (!fs::is_directory(root_, ec)) return out;
  // Walk only the folder that can hold the prefix, never above the root.
  const size_t slash = prefix.rfind('/');
  fs::path start = slash == std::string::npos ? fs::path(root_) : fs::path(root_) / prefix.substr(0, slash);
  if (!fs::is_directory(start, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(start, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_symlink() || !it->is_regular_file()) continue;
    if (AtomicFile::is_temporary_name(it->path().filename().string())) continue;
    std::string key = it->path().lexically_relative(root_).generic_string();
    if (key.compare(0, prefix.size(), prefix) != 0) continue;
    out.push_back({key, it->file_size()});
  }
  if (ec) throw StorageError("cannot list " + start.string() + ": " + ec.message());
  std::sort(out.begin(), out.end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return out;
}

void LocalStore::remove(const std::string& key) {
  validate_key(key);
  std::error_code ec;
  fs::remove(describe(key), ec);
  if (ec) throw StorageError("cannot delete " + describe(key) + ": " + ec.message());
  // Drop the partition folder once it is empty (best effort).
  fs::path dir = fs::path(describe(key)).parent_path();
  if (dir.string().size() > root_.size()) fs::remove(dir, ec);
}

}  // namespace aesync
