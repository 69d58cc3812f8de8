// Fuzz target: the config parser (parse_config in src/config/config.h) on hostile TOML text.
//
// The text is parsed as if read from <scratch>/aesync.toml, where <scratch> is a fresh folder
// under $TMPDIR (default /tmp) holding a few files that relative `<key>_file` paths may name
// (token, crlf, ctrl, big, empty, and a folder dir). The environment is replaced by a fixed set
// of variables (those examples/aesync.toml uses, HOME=<scratch>, EMPTY="", NEWLINE="a\nb"),
// none holding '/'. To keep file reads inside <scratch>, an input is skipped when a `*_file` key
// anywhere holds a '/' (and, to keep toml++ away from what it mishandles, when such an input
// holds non-ASCII bytes): a relative path without one resolves against the config's folder,
// <scratch> ("." and ".." are folders, so "is a directory").
//
// Bugs (the input is recorded as a crash): any exception other than aesync::ConfigError, a
// sanitizer report, and these broken properties:
// - a ConfigError message does not start with the file name (or its start followed by "***",
//   where a registered secret masked the rest), is not valid UTF-8, or holds a control
//   character (they reach the terminal and logs);
// - an accepted config holds a string value with a control character ("refused in every
//   value"), or an enumerated value (source.type, destination.type, output.format,
//   output.compression) outside its documented set, or a URL not starting http(s)://.
#include <sys/stat.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "config/config.h"
#include "fuzz_common.h"
#include "util/error.h"

namespace {

std::string g_scratch;  // the folder the config "lives" in
std::string g_file;     // <scratch>/aesync.toml

void write_file(const std::string& name, std::string_view content) {
  const std::string path = g_scratch + "/" + name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  fuzz::check(f != nullptr, "cannot create a scratch file", path);
  std::fwrite(content.data(), 1, content.size(), f);
  std::fclose(f);
}

// Whether some `*_file` key (in any table, at any depth) holds a string with '/' in it: such a
// path could leave the scratch folder (/dev/stdin would even block).
bool names_outside_file(const toml::table& t) {
  for (auto&& [k, v] : t) {
    if (const toml::table* sub = v.as_table()) {
      if (names_outside_file(*sub)) return true;
    } else if (const toml::array* arr = v.as_array()) {
      for (const toml::node& item : *arr)
        if (item.is_table() && names_outside_file(*item.as_table())) return true;
    } else if (k.str().ends_with("_file") && v.is_string() && v.as_string()->get().find('/') != std::string::npos) {
      return true;
    }
  }
  return false;
}

void check_value(const std::string& s, const char* what) { fuzz::check(!fuzz::has_control(s), what, s); }

void check_url(const std::string& s, const char* what) {
  if (s.empty()) return;
  fuzz::check(s.starts_with("http://") || s.starts_with("https://"), what, s);
  fuzz::check(s.back() != '/', what, s);
}

void check_config(const aesync::Config& c) {
  const auto& s = c.source;
  for (const std::string* v : {&s.dataset, &s.account_id, &s.api_token, &s.api_base, &s.url, &s.user, &s.password,
                               &s.database, &s.table, &s.path})
    check_value(*v, "source value holds a control character");
  const auto& d = c.destination;
  for (const std::string* v :
       {&d.bucket, &d.endpoint, &d.region, &d.access_key_id, &d.secret_access_key, &d.prefix, &d.path})
    check_value(*v, "destination value holds a control character");
  if (c.posthog) {
    const auto& p = *c.posthog;
    for (const std::string* v : {&p.host, &p.project_id, &p.api_key, &p.table, &p.read_access_key_id,
                                 &p.read_secret_access_key, &p.join_events_on})
      check_value(*v, "posthog value holds a control character");
    check_url(p.host, "posthog.host is not an http(s) URL without a trailing '/'");
  }
  for (const auto& col : c.schema.columns) {
    check_value(col.name, "column name holds a control character");
    if (col.when) check_value(col.when->equals, "when value holds a control character");
  }
  // The enums cannot leave their sets; a CSV output can only be gzipped or not.
  fuzz::check(c.output.format != aesync::OutputFormat::Csv || c.output.compression == aesync::Compression::Gzip ||
                  c.output.compression == aesync::Compression::None,
              "csv output with a Parquet-only codec", to_string(c.output.compression));
  check_url(s.api_base, "source.api_base is not an http(s) URL without a trailing '/'");
  check_url(s.url, "source.url is not an http(s) URL without a trailing '/'");
  check_url(d.endpoint, "destination.endpoint is not an http(s) URL without a trailing '/'");
  for (const std::string& secret : c.secrets()) fuzz::check(!secret.empty(), "secrets() holds an empty value");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* tmpdir = std::getenv("TMPDIR");  // scripts/fuzz.sh points it at a folder it removes
  std::string tmpl = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/aesync-fuzz-config-XXXXXX";
  fuzz::check(mkdtemp(tmpl.data()) != nullptr, "mkdtemp failed", tmpl);
  g_scratch = tmpl;
  std::atexit([] {
    std::error_code ec;
    std::filesystem::remove_all(g_scratch, ec);
  });
  g_file = g_scratch + "/aesync.toml";
  write_file("token", "tok-0123456789abcdef\n");
  write_file("crlf", "crlf-secret-value\r\n\r\n");
  write_file("ctrl", std::string_view("ctrl\x01secret", 11));
  write_file("empty", "");
  write_file("big", std::string(70 * 1024, 'x'));
  mkdir((g_scratch + "/dir").c_str(), 0700);
  clearenv();
  setenv("HOME", g_scratch.c_str(), 1);
  setenv("CLOUDFLARE_ACCOUNT_ID", "0123456789abcdef0123456789abcdef", 1);
  setenv("CLOUDFLARE_ANALYTICS_API_TOKEN", "cf-token-0123456789", 1);
  setenv("R2_ACCESS_KEY_ID", "r2-key-id-0123", 1);
  setenv("R2_SECRET_ACCESS_KEY", "r2-secret-0123456789", 1);
  setenv("R2_READ_ACCESS_KEY_ID", "r2-read-key-id", 1);
  setenv("R2_READ_SECRET_ACCESS_KEY", "r2-read-secret-0123", 1);
  setenv("POSTHOG_PROJECT_ID", "12345", 1);
  setenv("POSTHOG_PERSONAL_API_KEY", "phx_0123456789", 1);
  setenv("EMPTY", "", 1);
  setenv("NEWLINE", "a\nb", 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Only a text that names a `*_file` key (or may, through an escape) and holds a '/' (or may)
  // needs a look at its `*_file` values. That look is toml++ itself, which must not see the
  // non-ASCII code points it mishandles before parse_config's guard does, so such texts are
  // skipped when they hold non-ASCII bytes.
  const bool escapes = text.find('\\') != std::string_view::npos;
  if ((escapes || text.find("_file") != std::string_view::npos) &&
      (escapes || text.find('/') != std::string_view::npos)) {
    for (char c : text)
      if (static_cast<unsigned char>(c) >= 0x80) return -1;  // not added to the corpus
    try {
      if (names_outside_file(toml::parse(text, std::string_view(g_file)))) return -1;
    } catch (const toml::parse_error&) {
      // parse_config reports it.
    }
  }
  try {
    const aesync::Config c = aesync::parse_config(text, g_file);
    check_config(c);
  } catch (const aesync::ConfigError& e) {
    const std::string_view msg = e.what();
    // shown() redacts the secrets registered so far (by this input or an earlier one), which may
    // mask part of the file name too: then the name is intact up to a "***".
    const size_t same =
        static_cast<size_t>(std::mismatch(g_file.begin(), g_file.end(), msg.begin(), msg.end()).first - g_file.begin());
    fuzz::check(same == g_file.size() || msg.compare(same, 3, "***") == 0,
                "ConfigError does not start with the file name", msg);
    fuzz::check(fuzz::is_valid_utf8(msg), "ConfigError message is not valid UTF-8", msg);
    fuzz::check(!fuzz::has_control(msg), "ConfigError message holds a control character", msg);
  }
  return 0;
}
