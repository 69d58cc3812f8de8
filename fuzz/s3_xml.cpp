// Fuzz target: the S3 XML reader (src/storage/s3_xml.h) on hostile response bodies.
//
// Every reader sees the same input: parse(), parse_error(), parse_list_objects_v2(),
// parse_initiate_multipart_upload(), parse_complete_multipart_upload(), parse_delete_result()
// and parse_list_multipart_uploads(); the input is also escaped with escape() and parsed back.
//
// Bugs (the input is recorded as a crash): any exception other than s3xml::ParseError (and
// any exception at all from parse_error(), which returns nullopt instead), a sanitizer report,
// and these broken properties:
// - a ParseError message that is not one printable line of valid UTF-8, or a "malformed XML:
//   ..." one that does not end "at byte N" with N within the input;
// - a typed result that breaks its contract: an empty UploadId, a truncated listing without its
//   continuation token / key marker, an <Upload> without key or upload id;
// - parse("<a>" + escape(s) + "</a>") does not give back s as the element's text.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.h"
#include "storage/s3_xml.h"

namespace {

namespace x = aesync::s3xml;

// A ParseError: one printable line (it reaches logs), and for the syntax errors a byte offset
// within the input at its end (a NUL quoted from the input would have cut it off).
void check_error(const x::ParseError& e, size_t size) {
  const std::string_view msg = e.what();
  fuzz::check(fuzz::is_valid_utf8(msg), "ParseError message is not valid UTF-8", msg);
  fuzz::check(!fuzz::has_control(msg), "ParseError message holds a control character", msg);
  if (!msg.starts_with("malformed XML: ")) return;  // a document-level complaint
  const size_t at = msg.rfind(" at byte ");
  fuzz::check(at != std::string_view::npos, "malformed-XML message without a byte offset", msg);
  const std::string digits(msg.substr(at + 9));
  fuzz::check(!digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos,
              "malformed-XML message with a bad byte offset", msg);
  fuzz::check(std::stoull(digits) <= size, "malformed-XML message names an offset past the input", msg);
}

template <class F>
void expect_parse_error_only(F&& f, size_t size) {
  try {
    f();
  } catch (const x::ParseError& e) {
    check_error(e, size);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  expect_parse_error_only(
      [&] {
        const x::Element root = x::parse(body);
        fuzz::check(root.name.find(':') == std::string::npos, "element name keeps its namespace prefix", root.name);
      },
      size);
  (void)x::parse_error(body);  // never throws: nullopt for anything but an <Error> document
  expect_parse_error_only(
      [&] {
        const x::ListObjectsPage page = x::parse_list_objects_v2(body);
        fuzz::check(!page.is_truncated || !page.next_continuation_token.empty(),
                    "truncated listing without a continuation token");
      },
      size);
  expect_parse_error_only(
      [&] { fuzz::check(!x::parse_initiate_multipart_upload(body).empty(), "empty UploadId accepted"); }, size);
  expect_parse_error_only([&] { (void)x::parse_complete_multipart_upload(body); }, size);
  expect_parse_error_only([&] { (void)x::parse_delete_result(body); }, size);
  expect_parse_error_only(
      [&] {
        const x::MultipartUploadsPage page = x::parse_list_multipart_uploads(body);
        for (const auto& u : page.uploads)
          fuzz::check(!u.key.empty() && !u.upload_id.empty(), "<Upload> without key or upload id accepted");
        fuzz::check(!page.is_truncated || !page.next_key_marker.empty(), "truncated upload listing without a marker");
      },
      size);

  // What aesync sends must come back as written.
  const std::string doc = "<a>" + x::escape(body) + "</a>";
  x::Element back;
  try {
    back = x::parse(doc);
  } catch (const x::ParseError& e) {
    fuzz::check(false, "an escaped text does not parse", e.what());
  }
  fuzz::check(back.name == "a" && back.children.empty() && back.text == body, "escape() does not round-trip");
  return 0;
}
