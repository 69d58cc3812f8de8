#include "storage/s3_store.h"

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "net/http_client.h"
#include "net/pacer.h"
#include "net/retry.h"
#include "storage/s3_xml.h"
#include "storage/sigv4.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/log.h"
#include "util/sha256.h"
#include "util/text.h"
#include "util/time.h"

namespace aesync {

namespace {

constexpr size_t kMinPartSize = size_t{5} << 20;  // S3's minimum for every part but the last
constexpr size_t kMaxPartSize = size_t{5} << 30;  // and its maximum
constexpr int kMaxParts = 10000;
constexpr size_t kDeleteBatch = 1000;  // DeleteObjects' limit per request
constexpr size_t kBodyExcerpt = 200;   // bytes of a non-S3 error body quoted in messages

// Content-MD5: base64 of the body's MD5.
std::string md5_base64(std::string_view body) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(body.data(), body.size(), md, &n, EVP_md5(), nullptr) != 1)
    throw StorageError("MD5 of a DeleteObjects body: OpenSSL failed");
  unsigned char out[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  const int len = EVP_EncodeBlock(out, md, static_cast<int>(n));
  return std::string(reinterpret_cast<const char*>(out), static_cast<size_t>(len));
}

// "HTTP 403 SignatureDoesNotMatch: <S3's message>", or "HTTP 502: <start of the body>".
std::string describe_status(long status, std::string_view body, const std::optional<s3xml::ErrorInfo>& err) {
  std::string s = "HTTP " + std::to_string(status);
  if (err && !err->code.empty()) {
    s += " " + err->code;
    if (!err->message.empty()) s += ": " + err->message;
  } else if (const std::string_view text = trim(body); !text.empty()) {
    // A body that is not S3 XML (a proxy's HTML page, plain text): its start, on one line.
    s += ": " + shown(text, kBodyExcerpt);
  }
  return s;
}

// The store does not implement the operation: 501 NotImplemented as AWS documents it, or a 400/405
// whose code says NotImplemented (some S3-compatible stores answer so).
bool is_not_implemented(long status, const std::optional<s3xml::ErrorInfo>& err) {
  if (status == 501) return true;
  return (status == 400 || status == 405) && err && err->code == "NotImplemented";
}

std::string query_param(std::string_view name, std::string_view value) {
  return net::uri_encode(name, false) + "=" + net::uri_encode(value, false);
}

// One S3 request as the operations describe it; Impl::run signs, sends and retries it.
struct Call {
  const char* operation = "";  // S3's name for it ("PutObject"), for messages and logs
  std::string method = "GET";
  std::string subject;  // "s3://bucket/key" (or the prefix of a bucket-level call)
  std::string detail;   // " (part 3)": appended to the subject in messages
  std::string url;
  std::vector<net::Header> headers;  // besides those sigv4_sign adds
  std::string_view body;
  bool missing_ok = false;      // a 404 (other than NoSuchBucket) is an answer, not a failure
  bool condition_ok = false;    // a conditional write: 412/409 (condition failed) is an answer
  bool error_in_200 = false;    // CompleteMultipartUpload: a 200 may carry an <Error> document
  bool unsupported_ok = false;  // "not implemented" (is_not_implemented) is an answer, not a failure
  bool after_cancel = false;    // still sent once the run is cancelled (cleaning up: aborts)
  // A part sent in the background: once its upload is aborted, no further attempt is made.
  const std::atomic<bool>* abandoned = nullptr;
};

// Everything the store does; S3Store::Impl is this, and uploads hold a reference to it.
struct S3Core {
  S3Options options;
  SigV4Credentials credentials;
  net::RetryPolicy policy;
  std::string endpoint_for_messages;

  // HttpClient is not thread-safe and keeps its connection between requests, so each request
  // borrows a client from this pool for its attempts and returns it: partitions running on
  // several threads each get their own, and consecutive requests reuse warm connections.
  std::mutex pool_mutex;
  std::vector<std::unique_ptr<net::HttpClient>> pool;

  // The store answered ListMultipartUploads "not implemented": it is not asked again, and the
  // warning saying so has been logged (once per store object, that is once per run).
  std::atomic<bool> lists_no_uploads{false};

  // The one part in flight (s3_store.h): whether it is free, and the buffer of the last part
  // sent in the background, kept for the next one (a part's worth of memory, allocated once).
  std::mutex flight_mutex;
  bool flight_free = true;
  std::string flight_buffer;

  // Takes the part-in-flight slot and its buffer (empty); false when another part holds it.
  bool take_flight(std::string& buffer) {
    std::lock_guard lock(flight_mutex);
    if (!flight_free) return false;
    flight_free = false;
    buffer.swap(flight_buffer);
    return true;
  }
  // Gives the slot back with the buffer of the part that was sent.
  void return_flight(std::string& buffer) {
    buffer.clear();  // keeps its capacity: the next part in flight reuses it
    std::lock_guard lock(flight_mutex);
    flight_buffer.swap(buffer);
    flight_free = true;
  }

  explicit S3Core(S3Options o) : options(std::move(o)), policy(net::RetryPolicy::with_retries(options.max_retries)) {
    credentials.access_key_id = options.access_key_id;
    credentials.secret_access_key = options.secret_access_key;
    credentials.region = options.region;
    endpoint_for_messages = net::url_for_messages(options.endpoint);
  }

  // A client taken from the pool for one request's attempts, put back when it goes out of scope
  // (made on first use when the pool is empty).
  class BorrowedClient {
   public:
    explicit BorrowedClient(S3Core& impl) : impl_(impl) {
      std::lock_guard lock(impl_.pool_mutex);
      if (!impl_.pool.empty()) {
        client_ = std::move(impl_.pool.back());
        impl_.pool.pop_back();
      }
    }
    ~BorrowedClient() {
      if (!client_) return;
      std::lock_guard lock(impl_.pool_mutex);
      impl_.pool.push_back(std::move(client_));
    }
    BorrowedClient(const BorrowedClient&) = delete;
    BorrowedClient& operator=(const BorrowedClient&) = delete;
    net::HttpClient& get() {
      if (!client_) {
        net::ClientOptions co;
        co.insecure_skip_verify = impl_.options.insecure_skip_verify;
        client_ = std::make_unique<net::HttpClient>(co);
      }
      return *client_;
    }

   private:
    S3Core& impl_;
    std::unique_ptr<net::HttpClient> client_;
  };

  std::string subject(std::string_view key) const { return "s3://" + options.bucket + "/" + std::string(key); }

  std::string bucket_url(const std::string& query) const {
    return options.endpoint + "/" + net::uri_encode(options.bucket, false) + (query.empty() ? "" : "?" + query);
  }
  std::string object_url(std::string_view key, const std::string& query) const {
    return options.endpoint + "/" + net::uri_encode(options.bucket, false) + "/" + net::uri_encode(key, true) +
           (query.empty() ? "" : "?" + query);
  }

  [[noreturn]] void fail(const Call& call, const std::string& what) const {
    throw StorageError(std::string(call.operation) + " " + call.subject + call.detail + ": " + what + " (endpoint " +
                       endpoint_for_messages + ")");
  }

  // Sends `call` until it succeeds, fails for good or runs out of retries (net/pacer.h).
  // Returns the response of a success (2xx, or a 404 when missing_ok). `on_body` receives a 2xx
  // body as it arrives; `may_retry`, when given, is asked after a retryable failure whether a
  // retry is still possible (a body already streamed to a caller cannot be taken back).
  net::Response run(const Call& call, const net::BodyCallback& on_body = nullptr,
                    const std::function<bool()>& may_retry = nullptr) {
    const std::string payload_hash = Sha256::hex(call.body);
    BorrowedClient client(*this);
    net::Response success;
    auto attempt = [&](int n) -> net::Outcome {
      if (cancel::requested() && !call.after_cancel) return net::Outcome::fatal("cancelled");
      if (n > 1 && call.abandoned && call.abandoned->load()) return net::Outcome::fatal("upload aborted");
      net::Request request;
      request.method = call.method;
      request.url = call.url;
      request.headers = call.headers;
      request.body = call.body;
      request.timeout_seconds = options.timeout_seconds;
      if (call.after_cancel && cancel::requested()) {
        // Cleaning up after a cancel (SIGTERM): send it, but keep shutdown within seconds.
        request.ignore_cancel = true;
        request.timeout_seconds = std::min<int64_t>(request.timeout_seconds, 5);
      }
      // Signed right before each attempt, so that a retry carries a fresh x-amz-date.
      sigv4_sign(request, credentials, payload_hash, now_seconds());

      net::Outcome outcome;
      try {
        net::Response response = client.get().send(request, on_body);
        outcome = classify(call, response);
        if (outcome.kind == net::Outcome::Kind::Done) success = std::move(response);
      } catch (const net::CancelledError&) {
        return net::Outcome::fatal("cancelled");
      } catch (const net::NetworkError& e) {
        outcome = net::Outcome::network(e);
      }
      if (outcome.kind == net::Outcome::Kind::Retry && may_retry && !may_retry())
        return net::Outcome::fatal(outcome.reason + " after part of the body was delivered", outcome.status);
      return outcome;
    };
    const std::string what = std::string(call.operation) + " " + call.subject + call.detail;
    net::run_with_retries(policy, net::RetryTarget::Storage, what, attempt,
                          [&](const std::string& reason) { fail(call, reason); });
    return success;
  }

  // What one answer to `call` means: done (a success, or an answer the call accepts), retry
  // (5xx, 429, SlowDown; InternalError or SlowDown inside a 200) or fatal.
  net::Outcome classify(const Call& call, const net::Response& response) const {
    const long status = response.status;
    std::optional<s3xml::ErrorInfo> err;
    bool retryable = false;
    if (status >= 200 && status <= 299) {
      if (!call.error_in_200) return net::Outcome::done();
      try {
        err = s3xml::parse_complete_multipart_upload(response.body).error;
      } catch (const s3xml::ParseError& e) {
        return net::Outcome::fatal("HTTP " + std::to_string(status) + " with an unreadable body: " + e.what(), status);
      }
      if (!err) return net::Outcome::done();
      // AWS documents InternalError and SlowDown inside a 200 as worth a retry.
      retryable = err->code == "InternalError" || err->code == "SlowDown";
    } else {
      err = s3xml::parse_error(response.body);
      if (status == 404 && call.missing_ok && !(err && err->code == "NoSuchBucket")) return net::Outcome::done();
      if ((status == 412 || status == 409) && call.condition_ok) return net::Outcome::done();
      if (call.unsupported_ok && is_not_implemented(status, err)) return net::Outcome::done();
      retryable = net::retryable_status(status) || (err && err->code == "SlowDown");
    }
    std::string error = describe_status(status, response.body, err);
    if (!retryable) return net::Outcome::fatal(std::move(error), status);
    return net::Outcome::retry(std::move(error), status, net::retry_after_of(response));
  }

  Call object_call(const char* operation, const char* method, std::string_view key, const std::string& query) const {
    Call c;
    c.operation = operation;
    c.method = method;
    c.subject = subject(key);
    c.url = object_url(key, query);
    return c;
  }

  void put_object(const std::string& key, std::string_view body) {
    Call c = object_call("PutObject", "PUT", key, "");
    c.body = body;
    run(c);
  }

  std::string create_multipart_upload(const std::string& key) {
    Call c = object_call("CreateMultipartUpload", "POST", key, "uploads");
    net::Response r = run(c);
    try {
      return s3xml::parse_initiate_multipart_upload(r.body);
    } catch (const s3xml::ParseError& e) {
      fail(c, std::string("unreadable response: ") + e.what());
    }
  }

  std::string upload_part(const std::string& key, const std::string& upload_id, int part, std::string_view body,
                          const std::atomic<bool>* abandoned = nullptr) {
    Call c = object_call("UploadPart", "PUT", key,
                         "partNumber=" + std::to_string(part) + "&" + query_param("uploadId", upload_id));
    c.detail = " (part " + std::to_string(part) + ")";
    c.body = body;
    c.abandoned = abandoned;
    net::Response r = run(c);
    auto etag = r.header("etag");
    if (!etag || etag->empty()) fail(c, "the response has no ETag");
    return *etag;
  }

  void complete_multipart_upload(const std::string& key, const std::string& upload_id,
                                 const std::vector<std::string>& etags) {
    std::string xml = "<CompleteMultipartUpload>";
    for (size_t i = 0; i < etags.size(); ++i)
      xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + s3xml::escape(etags[i]) +
             "</ETag></Part>";
    xml += "</CompleteMultipartUpload>";
    Call c = object_call("CompleteMultipartUpload", "POST", key, query_param("uploadId", upload_id));
    c.headers.push_back({"Content-Type", "application/xml"});
    c.body = xml;
    c.error_in_200 = true;
    run(c);
  }

  void abort_multipart_upload(const std::string& key, const std::string& upload_id) {
    Call c = object_call("AbortMultipartUpload", "DELETE", key, query_param("uploadId", upload_id));
    c.missing_ok = true;  // NoSuchUpload: already aborted or completed
    c.after_cancel = true;
    run(c);
  }
};

// The streaming upload: one part buffer filled while the previous part may be in flight on its
// own thread (see s3_store.h).
class S3Upload final : public ObjectUpload {
 public:
  S3Upload(S3Core& store, std::string key) : store_(store), key_(std::move(key)) {}

  ~S3Upload() override {
    if (state_ == State::Open) discard();
  }

  void write(const void* data, size_t size) override {
    require_open("write to");
    const char* p = static_cast<const char*>(data);
    const size_t part_size = store_.options.part_size;
    try {
      // A part in flight that failed fails this write, without waiting for the next part.
      if (flight_ && flight_->done.load(std::memory_order_acquire)) end_flight();
      while (size > 0) {
        // A full buffer goes out only once a further byte exists: an object of exactly one
        // part stays a single PutObject, and the last part of a multipart upload is never empty.
        if (buffer_.size() == part_size) send_part(true);
        const size_t n = std::min(size, part_size - buffer_.size());
        reserve(buffer_.size() + n);
        buffer_.append(p, n);
        p += n;
        size -= n;
        bytes_ += n;
      }
    } catch (...) {
      fail();
      throw;
    }
  }

  uint64_t bytes_written() const override { return bytes_; }

  void wait_parts() override {
    require_open("wait for");
    try {
      end_flight();
    } catch (...) {
      fail();
      throw;
    }
  }

  void commit() override {
    require_open("commit");
    try {
      if (upload_id_.empty()) {
        store_.put_object(key_, buffer_);
      } else {
        send_part(false);
        store_.complete_multipart_upload(key_, upload_id_, etags_);
      }
    } catch (...) {
      fail();
      throw;
    }
    state_ = State::Committed;
    release_buffer();
  }

  void abort() override {
    if (state_ != State::Open) return;
    discard();
  }

 private:
  enum class State { Open, Committed, Aborted };

  // A part being sent on its own thread: its bytes, and, once `done`, its ETag or its failure.
  struct Flight {
    int part = 0;
    std::string body;
    std::string etag;
    std::exception_ptr error;
    std::atomic<bool> done{false};
    std::thread thread;
  };

  void require_open(const char* what) const {
    if (state_ == State::Committed)
      throw StorageError("cannot " + std::string(what) + " " + store_.subject(key_) + ": already committed");
    if (state_ == State::Aborted)
      throw StorageError("cannot " + std::string(what) + " " + store_.subject(key_) + ": upload aborted");
  }

  // Grows the buffer geometrically but never beyond one part, so a small object costs little
  // and a large one exactly one part of memory.
  void reserve(size_t needed) {
    if (needed <= buffer_.capacity()) return;
    buffer_.reserve(std::min(store_.options.part_size, std::max(needed, buffer_.capacity() * 2)));
  }

  // Sends the buffer as the next part, after the part in flight: in the background when
  // `in_background` and the store's part-in-flight slot is free, else here and now.
  void send_part(bool in_background) {
    end_flight();
    const int part = static_cast<int>(etags_.size()) + 1;
    if (part > kMaxParts)
      throw StorageError("UploadPart " + store_.subject(key_) + ": the object needs more than " +
                         std::to_string(kMaxParts) + " parts of " + std::to_string(store_.options.part_size) +
                         " bytes; raise part_size");
    if (upload_id_.empty()) upload_id_ = store_.create_multipart_upload(key_);
    std::string next;
    if (in_background && store_.take_flight(next)) {
      flight_ = std::make_unique<Flight>();
      flight_->part = part;
      flight_->body.swap(buffer_);
      buffer_.swap(next);  // the slot's buffer (empty): the writer fills it meanwhile
      flight_->thread = std::thread([this, f = flight_.get()] { run_flight(*f); });
      return;
    }
    etags_.push_back(store_.upload_part(key_, upload_id_, part, buffer_));
    buffer_.clear();  // keeps its capacity: the next part reuses it
  }

  // The part thread: sends the part (retried as any request), then gives the slot back.
  void run_flight(Flight& f) {
    try {
      f.etag = store_.upload_part(key_, upload_id_, f.part, f.body, &abandoned_);
    } catch (...) {
      f.error = std::current_exception();
    }
    store_.return_flight(f.body);
    f.done.store(true, std::memory_order_release);
  }

  // Waits for the part in flight, if any: records its ETag, or throws its failure.
  void end_flight() {
    if (!flight_) return;
    flight_->thread.join();
    const std::unique_ptr<Flight> f = std::move(flight_);
    if (f->error) std::rethrow_exception(f->error);
    etags_.push_back(std::move(f->etag));
  }

  // The upload failed: nothing may be left behind, whatever the abort's own fate.
  void fail() { discard(); }

  void discard() {
    state_ = State::Aborted;
    // A part still in flight ends first (no retry once abandoned): aborting before it is in
    // could leave that part stored under an upload no one completes.
    abandoned_ = true;
    if (flight_) {
      flight_->thread.join();
      flight_.reset();
    }
    release_buffer();
    if (upload_id_.empty()) return;
    try {
      store_.abort_multipart_upload(key_, upload_id_);
    } catch (const std::exception& e) {
      log::warn("could not abort a multipart upload", {{"key", store_.subject(key_)}, {"error", e.what()}});
    }
  }

  void release_buffer() { std::string().swap(buffer_); }

  S3Core& store_;
  const std::string key_;
  std::string buffer_;
  std::string upload_id_;
  std::vector<std::string> etags_;  // of the parts sent, in order (not the one in flight)
  uint64_t bytes_ = 0;
  State state_ = State::Open;
  std::atomic<bool> abandoned_{false};  // set by discard(): the part in flight is not retried
  std::unique_ptr<Flight> flight_;      // the part in flight, if any
};

}  // namespace

struct S3Store::Impl : S3Core {
  using S3Core::S3Core;
};

S3Store::S3Store(S3Options options) {
  if (options.part_size < kMinPartSize || options.part_size > kMaxPartSize)
    throw std::invalid_argument("S3 part_size must be between 5 MiB and 5 GiB, got " +
                                std::to_string(options.part_size) + " bytes");
  while (!options.endpoint.empty() && options.endpoint.back() == '/') options.endpoint.pop_back();
  if (options.endpoint.rfind("https://", 0) != 0 && options.endpoint.rfind("http://", 0) != 0)
    throw std::invalid_argument("S3 endpoint must start with https:// or http://: \"" + options.endpoint + "\"");
  if (options.bucket.empty()) throw std::invalid_argument("S3 bucket is empty");
  if (options.max_retries < 0) throw std::invalid_argument("S3 max_retries is negative");
  // The one redaction point then keeps the secret out of every log line, whatever quotes it.
  if (!options.secret_access_key.empty()) log::add_secret(options.secret_access_key);
  // (insecure_skip_verify is warned about once, when the config is read.)
  impl_ = std::make_unique<Impl>(std::move(options));
}

S3Store::~S3Store() = default;

const S3Options& S3Store::options() const { return impl_->options; }

std::string S3Store::describe(const std::string& key) const { return impl_->subject(key); }

std::unique_ptr<ObjectUpload> S3Store::begin_upload(const std::string& key) {
  // Beyond the store's own rules, a "." or ".." segment would be folded away by the HTTP
  // client's URL handling and address another key.
  validate_key(key);
  return std::make_unique<S3Upload>(*impl_, key);
}

bool S3Store::get_streaming(const std::string& key, const std::function<void(const char*, size_t)>& on_body) {
  validate_key(key);
  Call c = impl_->object_call("GetObject", "GET", key, "");
  c.missing_ok = true;
  uint64_t delivered = 0;
  net::Response r = impl_->run(
      c,
      [&](const char* data, size_t size) {
        delivered += size;
        on_body(data, size);
      },
      [&] { return delivered == 0; });
  return r.status != 404;
}

std::optional<std::string> S3Store::get(const std::string& key) {
  validate_key(key);
  Call c = impl_->object_call("GetObject", "GET", key, "");
  c.missing_ok = true;
  std::string body;
  net::Response r = impl_->run(
      c, [&](const char* data, size_t size) { body.append(data, size); },
      [&] {
        body.clear();  // the retry fetches the whole object again
        return true;
      });
  if (r.status == 404) return std::nullopt;
  return body;
}

std::optional<ObjectInfo> S3Store::head(const std::string& key) {
  validate_key(key);
  Call c = impl_->object_call("HeadObject", "HEAD", key, "");
  c.missing_ok = true;
  net::Response r = impl_->run(c);
  if (r.status == 404) return std::nullopt;
  const std::string length = r.header("content-length").value_or("");
  uint64_t size = 0;
  auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), size);
  if (length.empty() || ec != std::errc() || end != length.data() + length.size())
    impl_->fail(c, "the response has no valid Content-Length");
  return ObjectInfo{key, size};
}

std::vector<ObjectInfo> S3Store::list(const std::string& prefix) {
  std::vector<ObjectInfo> out;
  std::string token;
  for (;;) {
    std::string query = "list-type=2";
    if (!prefix.empty()) query += "&" + query_param("prefix", prefix);
    if (!token.empty()) query += "&" + query_param("continuation-token", token);
    Call c;
    c.operation = "ListObjectsV2";
    c.subject = impl_->subject(prefix);
    c.url = impl_->bucket_url(query);
    net::Response r = impl_->run(c);
    s3xml::ListObjectsPage page;
    try {
      page = s3xml::parse_list_objects_v2(r.body);
    } catch (const s3xml::ParseError& e) {
      impl_->fail(c, std::string("unreadable response: ") + e.what());
    }
    for (auto& o : page.objects) out.push_back(std::move(o));
    if (!page.is_truncated) break;
    if (page.next_continuation_token == token) impl_->fail(c, "the listing repeats its continuation token");
    token = std::move(page.next_continuation_token);
  }
  std::sort(out.begin(), out.end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return out;
}

void S3Store::remove(const std::string& key) {
  validate_key(key);
  Call c = impl_->object_call("DeleteObject", "DELETE", key, "");
  c.missing_ok = true;
  c.after_cancel = true;  // cleaning up: a run cancelled mid-partition still releases its lease (lease.h)
  impl_->run(c);
}

void S3Store::remove_many(const std::vector<std::string>& keys) {
  for (const std::string& key : keys) validate_key(key);
  for (size_t start = 0; start < keys.size(); start += kDeleteBatch) {
    const size_t end = std::min(keys.size(), start + kDeleteBatch);
    std::string xml = "<Delete><Quiet>true</Quiet>";
    for (size_t i = start; i < end; ++i) xml += "<Object><Key>" + s3xml::escape(keys[i]) + "</Key></Object>";
    xml += "</Delete>";
    Call c;
    c.operation = "DeleteObjects";
    c.method = "POST";
    c.subject = impl_->subject("");
    c.url = impl_->bucket_url("delete");
    c.headers.push_back({"Content-Type", "application/xml"});
    // AWS S3 refuses DeleteObjects without Content-MD5 or an x-amz-checksum-* header (the
    // signed x-amz-content-sha256 does not count). Content-MD5 is the one R2, MinIO and s3rver
    // also accept next to the payload hash, so it is sent here, and only here: every other
    // request carries the payload hash alone.
    c.headers.push_back({"Content-MD5", md5_base64(xml)});
    c.body = xml;
    net::Response r = impl_->run(c);
    s3xml::DeleteResult result;
    try {
      result = s3xml::parse_delete_result(r.body);
    } catch (const s3xml::ParseError& e) {
      impl_->fail(c, std::string("unreadable response: ") + e.what());
    }
    if (!result.errors.empty()) {
      const s3xml::DeleteError& first = result.errors.front();
      c.subject = impl_->subject(first.key);
      std::string what = first.code + ": " + first.message;
      if (result.errors.size() > 1) what += " (and " + std::to_string(result.errors.size() - 1) + " more keys)";
      impl_->fail(c, what);
    }
  }
}

std::vector<PendingUpload> S3Store::list_pending_uploads(const std::string& prefix) {
  std::vector<PendingUpload> out;
  if (impl_->lists_no_uploads) return out;
  std::string key_marker, upload_id_marker;
  for (;;) {
    std::string query = "uploads";
    if (!prefix.empty()) query += "&" + query_param("prefix", prefix);
    if (!key_marker.empty()) query += "&" + query_param("key-marker", key_marker);
    if (!upload_id_marker.empty()) query += "&" + query_param("upload-id-marker", upload_id_marker);
    Call c;
    c.operation = "ListMultipartUploads";
    c.subject = impl_->subject(prefix);
    c.url = impl_->bucket_url(query);
    c.unsupported_ok = true;
    net::Response r = impl_->run(c);
    if (r.status < 200 || r.status > 299) {
      // Not implemented here (some S3-compatible stores; R2 and AWS implement it): there is
      // nothing to clean up with, which the lease makes safe (lease.h). Said once per run.
      if (!impl_->lists_no_uploads.exchange(true))
        log::warn(
            "this store does not implement ListMultipartUploads: multipart uploads left by killed runs are "
            "not cleaned up there (the partition lease still protects each day being exported)",
            {{"store", impl_->subject("") + " (endpoint " + impl_->endpoint_for_messages + ")"},
             {"answer", describe_status(r.status, r.body, s3xml::parse_error(r.body))}});
      return {};
    }
    s3xml::MultipartUploadsPage page;
    try {
      page = s3xml::parse_list_multipart_uploads(r.body);
    } catch (const s3xml::ParseError& e) {
      impl_->fail(c, std::string("unreadable response: ") + e.what());
    }
    for (auto& u : page.uploads) out.push_back(std::move(u));
    if (!page.is_truncated) break;
    if (page.next_key_marker == key_marker && page.next_upload_id_marker == upload_id_marker)
      impl_->fail(c, "the listing repeats its markers");
    key_marker = std::move(page.next_key_marker);
    upload_id_marker = std::move(page.next_upload_id_marker);
  }
  return out;
}

void S3Store::abort_pending_upload(const PendingUpload& upload) {
  validate_key(upload.key);
  impl_->abort_multipart_upload(upload.key, upload.upload_id);
}

std::optional<std::string> S3Store::put_if(const std::string& key, std::string_view data,
                                           const WriteCondition& condition) {
  validate_key(key);
  Call c = impl_->object_call("PutObject", "PUT", key, "");
  c.body = data;
  c.condition_ok = true;
  c.missing_ok = true;  // If-Match on a key that is gone: AWS may answer 404 NoSuchKey
  if (condition.if_absent)
    c.headers.push_back({"If-None-Match", "*"});
  else
    c.headers.push_back({"If-Match", condition.if_match});
  net::Response r = impl_->run(c);
  if (r.status == 412 || r.status == 409 || r.status == 404) return std::nullopt;
  auto etag = r.header("etag");
  if (!etag || etag->empty()) impl_->fail(c, "the response has no ETag");
  return *etag;
}

std::optional<VersionedObject> S3Store::get_versioned(const std::string& key) {
  validate_key(key);
  Call c = impl_->object_call("GetObject", "GET", key, "");
  c.missing_ok = true;
  c.after_cancel = true;  // a lease's release reads it first (lease.h)
  net::Response r = impl_->run(c);
  if (r.status == 404) return std::nullopt;
  auto etag = r.header("etag");
  if (!etag || etag->empty()) impl_->fail(c, "the response has no ETag");
  return VersionedObject{std::move(r.body), *etag};
}

}  // namespace aesync
