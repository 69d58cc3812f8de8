// s3tool: the production S3 store (storage/s3_store.h) behind a tiny command line, for the
// end-to-end tests (tests/e2e/storage.test.mjs) that run it against s3rver behind a
// SigV4-verifying proxy.
//
//   s3tool <endpoint> <bucket> <region> put KEY [--part-size BYTES]   object from stdin, streamed
//   s3tool <endpoint> <bucket> <region> get KEY                       object to stdout, streamed
//   s3tool <endpoint> <bucket> <region> head KEY                      prints the size; exit 3 if missing
//   s3tool <endpoint> <bucket> <region> list PREFIX                   "key size" lines
//   s3tool <endpoint> <bucket> <region> delete KEY...                 DeleteObject / DeleteObjects
//   s3tool <endpoint> <bucket> <region> pending PREFIX                "key upload_id" lines
//
// Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, the retry budget from
// S3TOOL_MAX_RETRIES (default 3). Exit 0 on success, 1 with "s3tool: error: <message>" on a
// storage failure, 2 on a usage error, 3 when `get`/`head` find no object.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "storage/s3_store.h"
#include "util/error.h"

using namespace aesync;

namespace {

constexpr size_t kChunk = size_t{1} << 20;

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "s3tool: %s\nusage: s3tool <endpoint> <bucket> <region> put KEY [--part-size BYTES] | get KEY | "
               "head KEY | list PREFIX | delete KEY... | pending PREFIX\n",
               why.c_str());
  std::exit(2);
}

size_t parse_size(const std::string& text, const char* what) {
  size_t pos = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(text, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos == 0 || pos != text.size() || text[0] == '-') usage(std::string("invalid ") + what + " \"" + text + "\"");
  return static_cast<size_t>(v);
}

void write_stdout(const char* data, size_t size) {
  if (std::fwrite(data, 1, size, stdout) != size) throw StorageError("cannot write to stdout");
}

int run(int argc, char** argv) {
  if (argc < 5) usage("missing arguments");
  const std::vector<std::string> args(argv + 1, argv + argc);
  const std::string& command = args[3];
  const std::vector<std::string> operands(args.begin() + 4, args.end());

  S3Options o;
  o.endpoint = args[0];
  o.bucket = args[1];
  o.region = args[2];
  if (const char* v = std::getenv("AWS_ACCESS_KEY_ID")) o.access_key_id = v;
  if (const char* v = std::getenv("AWS_SECRET_ACCESS_KEY")) o.secret_access_key = v;
  o.max_retries = 3;
  if (const char* v = std::getenv("S3TOOL_MAX_RETRIES"))
    o.max_retries = static_cast<int>(parse_size(v, "S3TOOL_MAX_RETRIES"));
  o.insecure_skip_verify = false;

  if (command == "put") {
    if (operands.size() == 3 && operands[1] == "--part-size") {
      o.part_size = parse_size(operands[2], "--part-size");
    } else if (operands.size() != 1) {
      usage("put takes KEY [--part-size BYTES]");
    }
    S3Store store(o);
    auto upload = store.begin_upload(operands[0]);
    std::vector<char> buf(kChunk);
    for (;;) {
      const size_t n = std::fread(buf.data(), 1, buf.size(), stdin);
      if (n > 0) upload->write(buf.data(), n);
      if (n < buf.size()) {
        if (std::ferror(stdin)) throw StorageError("cannot read stdin");  // the upload aborts
        break;
      }
    }
    upload->commit();
    return 0;
  }

  if (operands.size() != 1 && command != "delete") usage(command + " takes one argument");
  S3Store store(o);
  if (command == "get") {
    if (!store.get_streaming(operands[0], write_stdout)) {
      std::fprintf(stderr, "s3tool: %s does not exist\n", store.describe(operands[0]).c_str());
      return 3;
    }
    if (std::fflush(stdout) != 0) throw StorageError("cannot write to stdout");
    return 0;
  }
  if (command == "head") {
    auto info = store.head(operands[0]);
    if (!info) return 3;
    std::printf("%llu\n", static_cast<unsigned long long>(info->size));
    return 0;
  }
  if (command == "list") {
    for (const auto& obj : store.list(operands[0]))
      std::printf("%s %llu\n", obj.key.c_str(), static_cast<unsigned long long>(obj.size));
    return 0;
  }
  if (command == "delete") {
    if (operands.empty()) usage("delete takes at least one KEY");
    if (operands.size() == 1)
      store.remove(operands[0]);
    else
      store.remove_many(operands);
    return 0;
  }
  if (command == "pending") {
    for (const auto& u : store.list_pending_uploads(operands[0]))
      std::printf("%s %s\n", u.key.c_str(), u.upload_id.c_str());
    return 0;
  }
  usage("unknown command \"" + command + "\"");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const int code = run(argc, argv);
    if (std::fflush(stdout) != 0) throw StorageError("cannot write to stdout");
    return code;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "s3tool: error: %s\n", e.what());
    return 2;
  } catch (const Error& e) {
    std::fprintf(stderr, "s3tool: error: %s\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "s3tool: error: %s\n", e.what());
    return 1;
  }
}
