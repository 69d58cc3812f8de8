#include "storage/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "util/sha256.h"
#include "util/time.h"

namespace aesync {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX sequences only: '+' is a literal plus in the URLs aesync builds (a space is %20). A '%'
// not followed by two hex digits stays as is (and is re-encoded as %25).
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// Header values as SigV4 wants them: no leading/trailing blanks, inner runs of blanks as one space.
std::string canonical_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  bool pending_space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

struct UrlParts {
  std::string host;  // host[:port] as curl sends it in Host
  std::string_view path;
  std::string_view query;
};

UrlParts split_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0)
    throw StorageError("sigv4: not an absolute URL: " + net::url_for_messages(url));
  const std::string scheme = lower(url.substr(0, scheme_end));
  std::string_view rest = url.substr(scheme_end + 3);
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  const auto authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);

  std::string_view host = authority, port;
  const auto bracket = authority.rfind(']');  // IPv6 literal: "[::1]:9000"
  const auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) throw StorageError("sigv4: URL without a host: " + net::url_for_messages(url));
  // curl leaves the scheme's default port out of Host; what is signed must equal what is sent.
  const bool default_port = port.empty() || (scheme == "http" && port == "80") || (scheme == "https" && port == "443");

  UrlParts parts;
  parts.host = default_port ? std::string(host) : std::string(host) + ":" + std::string(port);
  const auto q = rest.find('?');
  parts.path = rest.substr(0, q);
  if (q != std::string_view::npos) parts.query = rest.substr(q + 1);
  return parts;
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (piece.empty()) continue;
    const auto eq = piece.find('=');
    const std::string_view name = piece.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
    params.emplace_back(net::uri_encode(percent_decode(name), false), net::uri_encode(percent_decode(value), false));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

// "20130524T000000Z"
std::string format_amz_date(int64_t now_seconds) {
  std::string s = format_rfc3339(now_seconds);  // "2013-05-24T00:00:00Z"
  std::erase_if(s, [](char c) { return c == '-' || c == ':'; });
  return s;
}

bool signed_by_rule(std::string_view name, const std::vector<std::string>& extra) {
  if (name == "x-amz-date" || name == "x-amz-content-sha256" || name == "host") return false;  // computed
  return name.starts_with("x-amz-") || name == "content-type" || name == "content-md5" ||
         std::find(extra.begin(), extra.end(), name) != extra.end();
}

SigV4Parts compute(const net::Request& request, const SigV4Credentials& credentials,
                   std::string_view payload_sha256_hex, int64_t now_seconds,
                   const std::vector<std::string>& extra_signed_headers) {
  const std::string amz_date = format_amz_date(now_seconds);
  const std::string day = amz_date.substr(0, 8);
  const std::string scope = day + "/" + credentials.region + "/" + credentials.service + "/aws4_request";

  const UrlParts url = split_url(request.url);

  // name -> values in request order (a repeated header is signed as "v1,v2").
  std::map<std::string, std::string> headers;
  for (const auto& h : request.headers) {
    std::string name = lower(h.name);
    if (!signed_by_rule(name, extra_signed_headers)) continue;
    auto [it, inserted] = headers.try_emplace(std::move(name), canonical_value(h.value));
    if (!inserted) (it->second += ',') += canonical_value(h.value);
  }
  headers["host"] = url.host;
  headers["x-amz-content-sha256"] = std::string(payload_sha256_hex);
  headers["x-amz-date"] = amz_date;

  std::string canonical_headers, signed_headers;
  for (const auto& [name, value] : headers) {
    canonical_headers += name + ":" + value + "\n";
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
  }

  SigV4Parts parts;
  parts.canonical_request = request.method + "\n" + std::string(url.path.empty() ? "/" : url.path) + "\n" +
                            canonical_query(url.query) + "\n" + canonical_headers + "\n" + signed_headers + "\n" +
                            std::string(payload_sha256_hex);
  parts.string_to_sign = "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + Sha256::hex(parts.canonical_request);

  std::string key = hmac_sha256("AWS4" + credentials.secret_access_key, day);
  key = hmac_sha256(key, credentials.region);
  key = hmac_sha256(key, credentials.service);
  key = hmac_sha256(key, "aws4_request");
  parts.signature = hex(hmac_sha256(key, parts.string_to_sign));
  parts.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope +
                        ", SignedHeaders=" + signed_headers + ", Signature=" + parts.signature;
  return parts;
}

}  // namespace

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), out, &n))
    throw Error("sigv4: HMAC-SHA256 failed");
  return std::string(reinterpret_cast<const char*>(out), n);
}

SigV4Parts sigv4_compute(const net::Request& request, const SigV4Credentials& credentials,
                         std::string_view payload_sha256_hex, int64_t now_seconds) {
  return compute(request, credentials, payload_sha256_hex, now_seconds, {});
}

SigV4Parts sigv4_compute(const net::Request& request, const SigV4Credentials& credentials,
                         std::string_view payload_sha256_hex, int64_t now_seconds,
                         const std::vector<std::string>& extra_signed_headers) {
  std::vector<std::string> extra;
  for (const auto& name : extra_signed_headers) extra.push_back(lower(name));
  return compute(request, credentials, payload_sha256_hex, now_seconds, extra);
}

void sigv4_sign(net::Request& request, const SigV4Credentials& credentials, std::string_view payload_sha256_hex,
                int64_t now_seconds) {
  // Signing again (a retry, at a later time) replaces the previous signature's headers.
  std::erase_if(request.headers, [](const net::Header& h) {
    const std::string name = lower(h.name);
    return name == "x-amz-date" || name == "x-amz-content-sha256" || name == "authorization";
  });
  SigV4Parts parts = compute(request, credentials, payload_sha256_hex, now_seconds, {});
  request.headers.push_back({"x-amz-date", format_amz_date(now_seconds)});
  request.headers.push_back({"x-amz-content-sha256", std::string(payload_sha256_hex)});
  request.headers.push_back({"Authorization", std::move(parts.authorization)});
}

}  // namespace aesync
