// Inputs found by fuzz/s3_xml.cpp that broke a property of the S3 XML reader, with the exact
// ParseError they now give.
#include <gtest/gtest.h>

#include <string>

#include "storage/s3_xml.h"

using namespace aesync::s3xml;

namespace {

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ParseError& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

// Found 2026-11-25 (crash-c7b289faf2b370b94c44c44193ab806491482e1b): NUL bytes were name
// characters, so the end-tag error quoted "<CompleteMultipartUplo\0\0\0\0sult>" and what() ended
// at the first NUL, losing the rest of the message and its byte offset. Names now stop at
// control characters, which are then no name at all.
TEST(S3XmlFuzzRegressions, NulBytesInAnElementName) {
  const std::string body(
      "          \n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUplo\0\0\0\0sult "
      "xmlns=\"http://s4.amazonaws.com/doc/2006-03-01/\"><Location>https://b.s3.amazonaws.com/k</Location>"
      "<Bucket>b</Bucket><Key>k</Key><ETag>\"3858f62230ac3c915f300c664312c11f-9\"</ETag>"
      "</CompleteMultipartUplBuc><B>x<>",
      289);
  // Byte 72 is the first NUL, after "<CompleteMultipartUplo".
  const std::string expected = "malformed XML: expected a name at byte 72";
  EXPECT_EQ(error_of([&] { parse(body); }), expected);
  EXPECT_EQ(error_of([&] { parse_complete_multipart_upload(body); }), expected);
  EXPECT_FALSE(parse_error(body).has_value());
}

// What the typed readers quote from a body is one printable line (aesync::shown()): \n \t \r
// escaped, other control characters as \u00XX, ill-formed UTF-8 as \xNN, long values cut at 64
// bytes with "…".
TEST(S3XmlFuzzRegressions, QuotedBodyTextIsPrintable) {
  EXPECT_EQ(error_of([] {
              parse_list_objects_v2("<ListBucketResult><IsTruncated>t\nr\x01ue\xFF</IsTruncated></ListBucketResult>");
            }),
            "<IsTruncated> is not true or false: \"t\\nr\\u0001ue\\xFF\"");
  static constexpr char kNulInSize[] =
      "<ListBucketResult><Contents><Key>caf\xC3\xA9\x01</Key><Size>1\0</Size></Contents></ListBucketResult>";
  EXPECT_EQ(error_of([] { parse_list_objects_v2(std::string_view(kNulInSize, sizeof kNulInSize - 1)); }),
            "<Size> of \"caf\xC3\xA9\\u0001\" is not a byte count: \"1\\u0000\"");
  EXPECT_EQ(error_of([] { parse_initiate_multipart_upload("<" + std::string(100, 'N') + "/>"); }),
            "expected <InitiateMultipartUploadResult>, got <" + std::string(64, 'N') + "\xE2\x80\xA6>");
  EXPECT_EQ(error_of([] { parse("<A>&#1\x02;</A>"); }),
            "malformed XML: invalid character reference &#1\\u0002; at byte 3");
}
