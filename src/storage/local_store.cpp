#include "storage/local_store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "storage/file_output.h"
#include "util/error.h"
#include "util/sha256.h"

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

namespace {

// Calls `visit(entry)` for every regular file (symlinks skipped) of the folder that can hold
// the keys starting with `prefix`: only that folder is walked, never above the root. Throws
// StorageError naming the folder when walking fails.
template <class Visit>
void walk_prefix_folder(const std::string& root, const std::string& prefix, Visit visit) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return;
  const size_t slash = prefix.rfind('/');
  const fs::path start = slash == std::string::npos ? fs::path(root) : fs::path(root) / prefix.substr(0, slash);
  if (!fs::is_directory(start, ec)) return;
  for (auto it = fs::recursive_directory_iterator(start, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_symlink() || !it->is_regular_file()) continue;
    visit(*it);
  }
  if (ec) throw StorageError("cannot list " + start.string() + ": " + ec.message());
}

}  // namespace

std::vector<ObjectInfo> LocalStore::list(const std::string& prefix) {
  std::vector<ObjectInfo> out;
  walk_prefix_folder(root_, prefix, [&](const fs::directory_entry& file) {
    if (AtomicFile::is_temporary_name(file.path().filename().string())) return;
    std::string key = file.path().lexically_relative(root_).generic_string();
    if (key.compare(0, prefix.size(), prefix) != 0) return;
    out.push_back({key, file.file_size()});
  });
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

// Local version tags are digests of the bytes: equal content, equal tag (enough for leases).
std::optional<VersionedObject> LocalStore::get_versioned(const std::string& key) {
  std::optional<std::string> data = get(key);
  if (!data) return std::nullopt;
  std::string etag = Sha256::hex(*data);
  return VersionedObject{std::move(*data), std::move(etag)};
}

std::optional<std::string> LocalStore::put_if(const std::string& key, std::string_view data,
                                              const WriteCondition& condition) {
  validate_key(key);
  const std::string path = describe(key);
  if (condition.if_absent) {
    AtomicFile file(path);
    file.write(data.data(), data.size());
    if (!file.commit_if_absent()) return std::nullopt;
    return Sha256::hex(data);
  }
  // Replace only the version seen: hold an exclusive lock on the current file while comparing
  // and renaming over it. A writer that waited on the lock finds the name pointing at another
  // file afterwards and fails its condition, as a second If-Match would on S3.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw StorageError("cannot open " + path + ": " + std::strerror(errno));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (::flock(fd, LOCK_EX) != 0) throw StorageError("cannot lock " + path + ": " + std::strerror(errno));
  struct stat held {
  }, now{};
  if (::fstat(fd, &held) != 0 || ::stat(path.c_str(), &now) != 0 || held.st_ino != now.st_ino ||
      held.st_dev != now.st_dev)
    return std::nullopt;
  std::optional<std::string> current = get(key);
  if (!current || Sha256::hex(*current) != condition.if_match) return std::nullopt;
  AtomicFile file(path);
  file.write(data.data(), data.size());
  file.commit();
  return Sha256::hex(data);
}

// The local store's "multipart uploads": temporary files of writes that never reached their
// rename (a killed run's). The key is the object the write was for; the upload id, the file.
std::vector<PendingUpload> LocalStore::list_pending_uploads(const std::string& prefix) {
  std::vector<PendingUpload> out;
  walk_prefix_folder(root_, prefix, [&](const fs::directory_entry& file) {
    const std::string name = file.path().filename().string();
    if (!AtomicFile::is_temporary_name(name)) return;
    const fs::path target = file.path().parent_path() / name.substr(1, name.find(".tmp-") - 1);
    std::string key = target.lexically_relative(root_).generic_string();
    if (key.compare(0, prefix.size(), prefix) != 0) return;
    out.push_back({std::move(key), file.path().lexically_relative(root_).generic_string(), ""});
  });
  std::sort(out.begin(), out.end(),
            [](const PendingUpload& a, const PendingUpload& b) { return a.upload_id < b.upload_id; });
  return out;
}

void LocalStore::abort_pending_upload(const PendingUpload& upload) {
  validate_key(upload.upload_id);
  const std::string name = fs::path(upload.upload_id).filename().string();
  if (!AtomicFile::is_temporary_name(name)) throw StorageError("not a temporary file: " + describe(upload.upload_id));
  std::error_code ec;
  fs::remove(describe(upload.upload_id), ec);
  if (ec) throw StorageError("cannot delete " + describe(upload.upload_id) + ": " + ec.message());
}

}  // namespace aesync
