// HttpClient against a real HTTP server (cpp-httplib) on 127.0.0.1: what the server receives,
// what the client returns, streaming, connection reuse, timeouts, refusals and cancellation.
#include "net/http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "util/cancel.h"
#include "util/version.h"

// The Debian libcpp-httplib library is compiled with these (see `pkg-config --cflags
// cpp-httplib`), and they change the layout of httplib::Request.
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT
#endif
#ifndef CPPHTTPLIB_ZLIB_SUPPORT
#define CPPHTTPLIB_ZLIB_SUPPORT
#endif
#ifndef CPPHTTPLIB_BROTLI_SUPPORT
#define CPPHTTPLIB_BROTLI_SUPPORT
#endif
#include <httplib.h>

namespace aesync::net {
namespace {

// A request as the server saw it.
struct Seen {
  std::string method;
  std::string target;                          // path and query
  std::map<std::string, std::string> headers;  // name as sent -> value (httplib's own REMOTE_*/LOCAL_* left out)
  std::string body;
  int remote_port = 0;
};

std::string big_body() {
  std::string s;
  s.reserve(1 << 20);
  for (int i = 0; s.size() < (1u << 20); ++i) s += std::to_string(i) + ",";
  return s;
}

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cancel::reset();
    auto record = [this](const httplib::Request& req) {
      Seen s;
      s.method = req.method;
      s.target = req.target;
      for (const auto& [name, value] : req.headers)
        if (name.rfind("REMOTE_", 0) != 0 && name.rfind("LOCAL_", 0) != 0) s.headers[name] = value;
      s.body = req.body;
      s.remote_port = req.remote_port;
      std::lock_guard lock(mutex_);
      seen_.push_back(std::move(s));
    };
    server_.Get("/hello", [record](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.set_header("X-Custom-Header", "  Some  Value ");
      res.set_content("hello world", "text/plain");
    });
    server_.Get(R"(/raw/.*)", [record](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.set_content("raw", "text/plain");
    });
    server_.Get("/big", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(big_, "application/octet-stream");
    });
    server_.Get("/missing", [](const httplib::Request&, httplib::Response& res) {
      res.status = 404;
      res.set_content("<Error><Code>NoSuchKey</Code></Error>", "application/xml");
    });
    server_.Get("/block", [this](const httplib::Request&, httplib::Response& res) {
      std::unique_lock lock(mutex_);
      ++blocked_;
      cv_.notify_all();
      cv_.wait(lock, [this] { return released_; });
      res.set_content("late", "text/plain");
    });
    server_.Put("/echo", [record](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.status = 201;
      res.set_content("put " + std::to_string(req.body.size()), "text/plain");
    });
    server_.Post("/echo", [record](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.set_content("<Ok/>", "application/xml");
    });
    server_.Delete("/echo", [record](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.status = 204;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    // bind_to_any_port already listens, so requests queue until the accept loop runs.
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the accept loop runs, so TearDown must not come before it.
    while (!server_.is_running()) std::this_thread::yield();
  }

  void TearDown() override {
    {
      std::lock_guard lock(mutex_);
      released_ = true;
    }
    cv_.notify_all();
    server_.stop();
    thread_.join();
    cancel::reset();
  }

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

  std::vector<Seen> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

  void wait_until_blocked(int n) {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return blocked_ >= n; });
  }

  const std::string big_ = big_body();
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Seen> seen_;
  int blocked_ = 0;
  bool released_ = false;
};

std::map<std::string, std::string> headers_of(const Response& r) {
  std::map<std::string, std::string> m;
  for (const auto& h : r.headers) m[h.name] = h.value;
  return m;
}

TEST_F(HttpClientTest, GetReturnsStatusBodyAndLowerCasedHeaders) {
  HttpClient client;
  Request req;
  req.url = url("/hello?x=1");
  req.headers = {{"X-Test", "a"}};
  const Response r = client.send(req);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello world");
  const auto h = headers_of(r);
  EXPECT_EQ(h.at("x-custom-header"), "Some  Value");
  EXPECT_EQ(h.at("content-type"), "text/plain");
  EXPECT_EQ(h.at("content-length"), "11");
  EXPECT_EQ(r.header("x-custom-header"), "Some  Value");
  EXPECT_EQ(r.header("X-Custom-Header"), std::nullopt);  // callers ask in lower case
  EXPECT_EQ(r.header("absent"), std::nullopt);

  const auto s = seen();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].method, "GET");
  EXPECT_EQ(s[0].target, "/hello?x=1");
  const std::map<std::string, std::string> expected = {{"Accept", "*/*"},
                                                       {"Host", "127.0.0.1:" + std::to_string(port_)},
                                                       {"User-Agent", std::string("aesync/") + version()},
                                                       {"X-Test", "a"}};
  EXPECT_EQ(s[0].headers, expected);
}

TEST_F(HttpClientTest, PutOfZeroBytesSendsContentLengthZeroAndNoContentType) {
  HttpClient client;
  Request req;
  req.method = "PUT";
  req.url = url("/echo");
  const Response r = client.send(req);
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, "put 0");
  const auto s = seen();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].method, "PUT");
  const std::map<std::string, std::string> expected = {{"Accept", "*/*"},
                                                       {"Content-Length", "0"},
                                                       {"Host", "127.0.0.1:" + std::to_string(port_)},
                                                       {"User-Agent", std::string("aesync/") + version()}};
  EXPECT_EQ(s[0].headers, expected);
  EXPECT_EQ(s[0].body, "");
}

TEST_F(HttpClientTest, PutSendsTheBodyExactlyWithoutExpect) {
  HttpClient client({.insecure_skip_verify = false, .connect_timeout_seconds = 5, .user_agent = "test-agent/1"});
  const std::string body = big_;  // large enough that curl would otherwise ask "Expect: 100-continue"
  Request req;
  req.method = "PUT";
  req.url = url("/echo");
  req.body = body;
  req.headers = {{"Content-Type", "application/octet-stream"}};
  const Response r = client.send(req);
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, "put " + std::to_string(body.size()));
  const auto s = seen();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].body, body);
  const std::map<std::string, std::string> expected = {{"Accept", "*/*"},
                                                       {"Content-Length", std::to_string(body.size())},
                                                       {"Content-Type", "application/octet-stream"},
                                                       {"Host", "127.0.0.1:" + std::to_string(port_)},
                                                       {"User-Agent", "test-agent/1"}};
  EXPECT_EQ(s[0].headers, expected);
}

TEST_F(HttpClientTest, PostSendsTheBodyWithOnlyTheCallersContentType) {
  HttpClient client;
  Request req;
  req.method = "POST";
  req.url = url("/echo?uploads");
  const Response r = client.send(req);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<Ok/>");

  const std::string xml = "<CompleteMultipartUpload/>";
  req.url = url("/echo?uploadId=1");
  req.body = xml;
  req.headers = {{"Content-Type", "application/xml"}};
  EXPECT_EQ(client.send(req).status, 200);

  const auto s = seen();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].method, "POST");
  EXPECT_EQ(s[0].target, "/echo?uploads");
  EXPECT_EQ(s[0].body, "");
  EXPECT_EQ(s[0].headers.count("Content-Type"), 0u);
  EXPECT_EQ(s[0].headers.at("Content-Length"), "0");
  EXPECT_EQ(s[1].body, xml);
  EXPECT_EQ(s[1].headers.at("Content-Type"), "application/xml");
  EXPECT_EQ(s[1].headers.at("Content-Length"), "26");
  EXPECT_EQ(s[1].headers.count("Expect"), 0u);
}

TEST_F(HttpClientTest, DeleteAndHead) {
  HttpClient client;
  Request del;
  del.method = "DELETE";
  del.url = url("/echo?uploadId=7");
  const Response d = client.send(del);
  EXPECT_EQ(d.status, 204);
  EXPECT_EQ(d.body, "");
  const auto s = seen();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].method, "DELETE");
  EXPECT_EQ(s[0].target, "/echo?uploadId=7");
  EXPECT_EQ(s[0].headers.count("Content-Length"), 0u);
  EXPECT_EQ(s[0].headers.count("Content-Type"), 0u);

  Request head;
  head.method = "HEAD";
  head.url = url("/hello");
  const Response h = client.send(head);
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body, "");
  EXPECT_EQ(h.header("content-length"), "11");
  // And the handle still does a GET with a body afterwards.
  Request get;
  get.url = url("/hello");
  EXPECT_EQ(client.send(get).body, "hello world");
}

TEST_F(HttpClientTest, ThePathIsSentAsGiven) {
  HttpClient client;
  Request req;
  req.url = url("/raw/a/./b/../c%2Fd%20e?q=%2F#fragment");
  EXPECT_EQ(client.send(req).body, "raw");
  const auto s = seen();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].target, "/raw/a/./b/../c%2Fd%20e?q=%2F");
}

TEST_F(HttpClientTest, ConsecutiveRequestsReuseTheConnection) {
  HttpClient client;
  Request get;
  get.url = url("/hello");
  Request put;
  put.method = "PUT";
  put.url = url("/echo");
  put.body = "abc";
  client.send(get);
  client.send(put);
  client.send(get);
  const auto s = seen();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_GT(s[0].remote_port, 0);
  EXPECT_EQ(s[1].remote_port, s[0].remote_port);
  EXPECT_EQ(s[2].remote_port, s[0].remote_port);

  HttpClient other;  // a second client has its own connection
  other.send(get);
  EXPECT_NE(seen().at(3).remote_port, s[0].remote_port);
}

TEST_F(HttpClientTest, OnBodyStreamsA2xxBody) {
  HttpClient client;
  Request req;
  req.url = url("/big");
  std::string streamed;
  int chunks = 0;
  const Response r = client.send(req, [&](const char* data, size_t size) {
    streamed.append(data, size);
    ++chunks;
  });
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(streamed, big_);
  EXPECT_GT(chunks, 1);
}

TEST_F(HttpClientTest, OnBodyIsNotCalledForAnErrorStatus) {
  HttpClient client;
  Request req;
  req.url = url("/missing");
  int calls = 0;
  const Response r = client.send(req, [&](const char*, size_t) { ++calls; });
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "<Error><Code>NoSuchKey</Code></Error>");
  EXPECT_EQ(calls, 0);
}

TEST_F(HttpClientTest, AnExceptionFromOnBodyAbortsAndPropagates) {
  HttpClient client;
  Request req;
  req.url = url("/big");
  size_t received = 0;
  try {
    client.send(req, [&](const char*, size_t size) {
      received += size;
      throw std::logic_error("consumer failed");
    });
    FAIL() << "no exception";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(), "consumer failed");
  }
  EXPECT_LT(received, big_.size());
  // The client is usable afterwards.
  Request hello;
  hello.url = url("/hello");
  EXPECT_EQ(client.send(hello).body, "hello world");
}

TEST_F(HttpClientTest, TimeoutIsANetworkErrorMarkedTimedOut) {
  HttpClient client;
  Request req;
  req.url = url("/block?token=s3cr3t");
  req.timeout_seconds = 1;
  try {
    client.send(req);
    FAIL() << "no exception";
  } catch (const NetworkError& e) {
    EXPECT_TRUE(e.timed_out);
    EXPECT_FALSE(e.unreachable);  // a host that answers slowly is reachable: retried as usual
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("GET " + url("/block") + ": Operation timed out after ", 0), 0u) << msg;
    EXPECT_EQ(msg.find("s3cr3t"), std::string::npos);
  }
}

TEST_F(HttpClientTest, ConnectionRefusedNamesTheUrl) {
  // A port bound but never listened on, held for the whole test: connecting is refused, and no
  // other socket can take the port meanwhile.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};

  HttpClient client;
  Request req;
  req.method = "PUT";
  req.url = "http://127.0.0.1:" + std::to_string(port) + "/bucket/key?uploadId=1";
  req.headers = {{"Authorization", "AWS4-HMAC-SHA256 Signature=topsecret"}};
  req.body = "data";
  try {
    client.send(req);
    FAIL() << "no exception";
  } catch (const NetworkError& e) {
    EXPECT_FALSE(e.timed_out);
    EXPECT_TRUE(e.unreachable);
    const std::string msg = e.what();
    const std::string p = std::to_string(port);
    // curl's text: "Failed to connect to 127.0.0.1 port <p> after <n> ms: Couldn't connect to server".
    const std::string prefix =
        "PUT http://127.0.0.1:" + p + "/bucket/key: Failed to connect to 127.0.0.1 port " + p + " after ";
    const std::string suffix = " ms: Couldn't connect to server";
    EXPECT_EQ(msg.rfind(prefix, 0), 0u) << msg;
    ASSERT_GE(msg.size(), prefix.size() + suffix.size());
    EXPECT_EQ(msg.substr(msg.size() - suffix.size()), suffix) << msg;
    EXPECT_EQ(msg.find("topsecret"), std::string::npos);
  }
}

TEST_F(HttpClientTest, AnUnresolvableHostIsUnreachable) {
  // RFC 6761 6.4: names under .invalid never resolve, whatever the resolver.
  HttpClient client;
  Request req;
  req.url = "https://nohost.invalid/path?token=s3cr3t";
  try {
    client.send(req);
    FAIL() << "no exception";
  } catch (const NetworkError& e) {
    EXPECT_TRUE(e.unreachable);
    EXPECT_FALSE(e.timed_out);
    EXPECT_EQ(std::string(e.what()), "GET https://nohost.invalid/path: Could not resolve host: nohost.invalid");
  }
}

TEST_F(HttpClientTest, HeaderValuesWithLineBreaksAreRejectedWithoutQuotingThem) {
  HttpClient client;
  Request req;
  req.url = url("/hello");
  req.headers = {{"Authorization", "secret\r\nX-Injected: 1"}};
  try {
    client.send(req);
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 ("GET " + url("/hello") + ": the value of header 'Authorization' contains a line break").c_str());
  }
  EXPECT_TRUE(seen().empty());
}

TEST_F(HttpClientTest, CancelFromInsideOnBodyThrowsCancelledError) {
  HttpClient client;
  Request req;
  req.url = url("/big?x=1");
  int calls = 0;
  try {
    client.send(req, [&](const char*, size_t) {
      ++calls;
      cancel::request();
    });
    FAIL() << "no exception";
  } catch (const CancelledError& e) {
    EXPECT_EQ(std::string(e.what()), "GET " + url("/big") + ": cancelled");
  }
  EXPECT_EQ(calls, 1);
  // While cancelled, nothing is sent at all.
  Request hello;
  hello.url = url("/hello");
  EXPECT_THROW(client.send(hello), CancelledError);
  EXPECT_TRUE(seen().empty());
  cancel::reset();
  EXPECT_EQ(client.send(hello).body, "hello world");
}

TEST_F(HttpClientTest, CancelFromAnotherThreadAbortsAWaitingTransfer) {
  HttpClient client;
  Request req;
  req.url = url("/block");
  req.timeout_seconds = 600;
  std::thread canceller([this] {
    wait_until_blocked(1);
    cancel::request();
  });
  EXPECT_THROW(client.send(req), CancelledError);
  canceller.join();
}

TEST(UrlForMessages, StripsQueryAndFragment) {
  EXPECT_EQ(url_for_messages("https://h.example/b/k?X-Amz-Signature=abc&x=1"), "https://h.example/b/k");
  EXPECT_EQ(url_for_messages("https://h.example/b/k#frag?x"), "https://h.example/b/k");
  EXPECT_EQ(url_for_messages("http://127.0.0.1:9000/b"), "http://127.0.0.1:9000/b");
  EXPECT_EQ(url_for_messages(""), "");
}

TEST(UriEncode, Rfc3986) {
  EXPECT_EQ(uri_encode("", true), "");
  EXPECT_EQ(uri_encode("AZaz09-_.~", false), "AZaz09-_.~");
  EXPECT_EQ(uri_encode("a b/c", true), "a%20b/c");
  EXPECT_EQ(uri_encode("a b/c", false), "a%20b%2Fc");
  EXPECT_EQ(uri_encode("+=&%?#!*'()$,;:@", true), "%2B%3D%26%25%3F%23%21%2A%27%28%29%24%2C%3B%3A%40");
  EXPECT_EQ(uri_encode("é/日本", true), "%C3%A9/%E6%97%A5%E6%9C%AC");
  EXPECT_EQ(uri_encode(std::string_view("\0\x7f\xff", 3), false), "%00%7F%FF");
}

}  // namespace
}  // namespace aesync::net
