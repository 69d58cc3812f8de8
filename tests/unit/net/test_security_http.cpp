// What the HTTP client puts in messages: never the credentials of a URL.
#include <gtest/gtest.h>

#include "net/http_client.h"

namespace aesync::net {
namespace {

TEST(SecurityHttp, UrlForMessagesMasksUserinfo) {
  EXPECT_EQ(url_for_messages("https://user:pass@h.example/a/b?q=1"), "https://***@h.example/a/b");
  EXPECT_EQ(url_for_messages("http://user@127.0.0.1:8123/"), "http://***@127.0.0.1:8123/");
  EXPECT_EQ(url_for_messages("https://u:p@w@h.example"), "https://***@h.example");
  // An '@' in the path or the query is not userinfo.
  EXPECT_EQ(url_for_messages("https://h.example/a@b"), "https://h.example/a@b");
  EXPECT_EQ(url_for_messages("https://h.example/a?x=@y"), "https://h.example/a");
}

TEST(SecurityHttp, UrlHostIsHostAndPortWithoutUserinfo) {
  EXPECT_EQ(url_host("https://127.0.0.1:8443/client/v4/x"), "127.0.0.1:8443");
  EXPECT_EQ(url_host("https://user:pass@h.example/x"), "h.example");
  EXPECT_EQ(url_host("http://h.example?x"), "h.example");
  EXPECT_EQ(url_host("https://[::1]:9000/b"), "[::1]:9000");
}

TEST(SecurityHttp, ATransportFailureNamesTheUrlWithoutItsCredentials) {
  HttpClient client({.insecure_skip_verify = false, .connect_timeout_seconds = 5, .user_agent = "test/1"});
  Request r;
  r.method = "GET";
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  r.url = "http://user:pass-0123456789@127.0.0.1:1/x?token=abc";
  r.timeout_seconds = 5;
  try {
    client.send(r);
    FAIL() << "no error";
  } catch (const NetworkError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("GET http://***@127.0.0.1:1/x: ", 0), 0u) << what;
    EXPECT_EQ(what.find("pass-0123456789"), std::string::npos) << what;
    EXPECT_EQ(what.find("token=abc"), std::string::npos) << what;
    EXPECT_FALSE(e.certificate_rejected);
  }
}

}  // namespace
}  // namespace aesync::net
