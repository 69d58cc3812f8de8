#include "net/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <mutex>

#include "net/retry.h"
#include "util/cancel.h"
#include "util/text.h"
#include "util/version.h"

namespace aesync::net {

namespace {

void global_init() {
  // curl_global_init is not thread-safe; clients are created on several threads.
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw NetworkError("libcurl: initialisation failed");
  });
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

// The state of one send(), shared with curl's callbacks.
struct Transfer {
  CURL* easy = nullptr;
  const BodyCallback* on_body = nullptr;
  std::string_view upload;
  size_t upload_pos = 0;
  Response* response = nullptr;
  int streaming = -1;  // decided at the first body byte, once the status is known
  bool cancelled = false;
  bool ignore_cancel = false;  // a clean-up request that must go out after a cancel
  std::exception_ptr error;    // thrown by on_body (or by allocation), rethrown after curl returns
};

constexpr size_t kWriteError =
#ifdef CURL_WRITEFUNC_ERROR
    CURL_WRITEFUNC_ERROR;
#else
    0;
#endif

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  try {
    if (line.starts_with("HTTP/")) {
      // A new status line (after "100 Continue"): only the final response's headers count.
      t->response->headers.clear();
    } else if (auto colon = line.find(':'); colon != std::string_view::npos && colon > 0) {
      Header h;
      h.name.reserve(colon);
      for (char c : line.substr(0, colon)) h.name.push_back(lower(c));
      h.value = std::string(trim(line.substr(colon + 1)));
      t->response->headers.push_back(std::move(h));
    }
  } catch (...) {
    t->error = std::current_exception();
    return 0;
  }
  return size * n;
}

size_t on_write(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  if (t->streaming < 0) {
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    t->streaming = (t->on_body && *t->on_body && status >= 200 && status <= 299) ? 1 : 0;
  }
  try {
    if (t->streaming == 1)
      (*t->on_body)(data, len);
    else
      t->response->body.append(data, len);
  } catch (...) {
    t->error = std::current_exception();
    return kWriteError;
  }
  // Checked here as well as in on_progress so that a cancel requested by the consumer of the
  // body (or while it ran) stops the transfer before the next chunk.
  if (!t->ignore_cancel && cancel::requested()) {
    t->cancelled = true;
    return kWriteError;
  }
  return len;
}

size_t on_read(char* buffer, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = std::min(size * n, t->upload.size() - t->upload_pos);
  if (len > 0) std::memcpy(buffer, t->upload.data() + t->upload_pos, len);
  t->upload_pos += len;
  return len;
}

// curl rewinds the upload when it resends the request on a new connection (a kept-alive
// connection the server had closed).
int on_seek(void* user, curl_off_t offset, int origin) {
  auto* t = static_cast<Transfer*>(user);
  if (origin != SEEK_SET) return CURL_SEEKFUNC_CANTSEEK;
  if (offset < 0 || static_cast<uint64_t>(offset) > t->upload.size()) return CURL_SEEKFUNC_FAIL;
  t->upload_pos = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

// Called by curl about once a second while idle and more often while bytes flow.
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (!t->ignore_cancel && cancel::requested()) {
    t->cancelled = true;
    return 1;
  }
  return 0;
}

struct SlistGuard {
  curl_slist* list = nullptr;
  ~SlistGuard() { curl_slist_free_all(list); }
  void append(const std::string& line) {
    curl_slist* next = curl_slist_append(list, line.c_str());
    if (!next) throw std::bad_alloc();
    list = next;
  }
};

bool valid_header_name(std::string_view name) {
  if (name.empty()) return false;
  return std::none_of(name.begin(), name.end(),
                      [](char c) { return c == ':' || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\0'; });
}

}  // namespace

std::optional<std::string> Response::header(std::string_view lower_name) const {
  for (const auto& h : headers)
    if (h.name == lower_name) return h.value;
  return std::nullopt;
}

struct HttpClient::Impl {
  ClientOptions options;
  CURL* easy = nullptr;
  char error_text[CURL_ERROR_SIZE] = {};
  ~Impl() {
    if (easy) curl_easy_cleanup(easy);
  }
};

HttpClient::HttpClient(ClientOptions options) : impl_(std::make_unique<Impl>()) {
  global_init();
  impl_->options = std::move(options);
  if (impl_->options.user_agent.empty()) impl_->options.user_agent = std::string("aesync/") + version();
  impl_->easy = curl_easy_init();
  if (!impl_->easy) throw NetworkError("libcurl: cannot create a handle");
}

HttpClient::~HttpClient() = default;

Response HttpClient::send(const Request& request, const BodyCallback& on_body) {
  const std::string where = request.method + " " + url_for_messages(request.url);
  if (!request.ignore_cancel && cancel::requested()) throw CancelledError(where + ": cancelled");

  CURL* h = impl_->easy;
  // Each request starts from default options; curl_easy_reset keeps the live connections, the
  // DNS cache and TLS sessions, which is what makes the handle worth keeping. Reset again on
  // the way out so that the handle holds no pointer into this frame.
  curl_easy_reset(h);
  struct ResetGuard {
    CURL* h;
    ~ResetGuard() { curl_easy_reset(h); }
  } reset_guard{h};

  Response response;
  Transfer t;
  t.easy = h;
  t.on_body = &on_body;
  t.upload = request.body;
  t.response = &response;
  t.ignore_cancel = request.ignore_cancel;

  SlistGuard headers;
  bool has_content_type = false;
  bool has_expect = false;
  for (const auto& header : request.headers) {
    // Only the name may appear in a message: values can be secrets (Authorization).
    if (!valid_header_name(header.name)) throw Error(where + ": invalid header name '" + header.name + "'");
    if (header.value.find_first_of("\r\n") != std::string::npos)
      throw Error(where + ": the value of header '" + header.name + "' contains a line break");
    has_content_type |= iequals(header.name, "content-type");
    has_expect |= iequals(header.name, "expect");
    // "Name;" is curl's way to send a header with an empty value ("Name:" would remove it).
    headers.append(header.value.empty() ? header.name + ";" : header.name + ": " + header.value);
  }
  // No "Expect: 100-continue" round trip, and no Content-Type that the caller did not set:
  // curl adds application/x-www-form-urlencoded to POSTs, which would also break signatures.
  if (!has_expect) headers.append("Expect:");
  if (!has_content_type) headers.append("Content-Type:");

  impl_->error_text[0] = '\0';
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, impl_->error_text);
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  // Send the path exactly as given: curl would otherwise squash "/./" and "/../", which are
  // legal in object keys, and the request would no longer match its SigV4 signature.
  curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(h, CURLOPT_USERAGENT, impl_->options.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 128L * 1024);
  if (request.timeout_seconds > 0)
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout_seconds * 1000));
  int64_t connect_timeout = impl_->options.connect_timeout_seconds;
  if (fail_fast() && (connect_timeout <= 0 || connect_timeout > kFailFastConnectTimeoutSeconds))
    connect_timeout = kFailFastConnectTimeoutSeconds;
  if (connect_timeout > 0) curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, static_cast<long>(connect_timeout));
  // Set explicitly either way: curl_easy_reset restores curl's defaults (verification on), and
  // nothing but the test-only option may turn it off.
  const bool verify = !impl_->options.insecure_skip_verify;
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);

  const std::string& method = request.method;
  if (method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (method == "PUT") {
    // Streamed from the caller's bytes; with the size known curl sends Content-Length (also 0).
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &t);
    curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
    curl_easy_setopt(h, CURLOPT_SEEKDATA, &t);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else if (method == "POST" || !request.body.empty()) {
    // A null POSTFIELDS would make curl read the body from stdin.
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.empty() ? "" : request.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    if (method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  } else if (method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  }

  const CURLcode rc = curl_easy_perform(h);
  if (t.error) std::rethrow_exception(t.error);
  if (t.cancelled || rc == CURLE_ABORTED_BY_CALLBACK) throw CancelledError(where + ": cancelled");
  if (rc != CURLE_OK) {
    std::string_view text = trim(impl_->error_text);
    if (text.empty()) text = curl_easy_strerror(rc);
    const bool certificate =
        rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_ISSUER_ERROR || rc == CURLE_SSL_INVALIDCERTSTATUS;
    NetworkError error(where + ": " +
                       (certificate ? "TLS certificate of " + url_host(request.url) + " not trusted: " : "") +
                       std::string(text));
    error.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
    error.certificate_rejected = certificate;
    error.unreachable =
        rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_RESOLVE_PROXY || rc == CURLE_COULDNT_CONNECT;
    throw error;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

namespace {

// [begin, end) of a URL's authority (after "scheme://", before the path), and where its host
// starts (after any user:password@).
struct Authority {
  size_t begin = 0, host = 0, end = 0;
};

Authority authority_of(std::string_view url) {
  Authority a;
  const size_t scheme = url.find("://");
  a.begin = scheme == std::string_view::npos ? 0 : scheme + 3;
  a.end = std::min(url.find_first_of("/?#", a.begin), url.size());
  const size_t at = url.substr(a.begin, a.end - a.begin).rfind('@');
  a.host = at == std::string_view::npos ? a.begin : a.begin + at + 1;
  return a;
}

}  // namespace

std::string url_for_messages(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  const Authority a = authority_of(url);
  if (a.host == a.begin) return std::string(url);
  return std::string(url.substr(0, a.begin)) + "***@" + std::string(url.substr(a.host));
}

std::string url_host(std::string_view url) {
  const Authority a = authority_of(url);
  return std::string(url.substr(a.host, a.end - a.host));
}

std::string uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() + s.size() / 2);
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '_' || c == '.' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace aesync::net
