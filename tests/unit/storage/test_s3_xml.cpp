#include <gtest/gtest.h>

#include "storage/s3_xml.h"

using namespace aesync;
using namespace aesync::s3xml;

namespace {

std::string parse_failure(std::string_view xml) {
  try {
    parse(xml);
  } catch (const ParseError& e) {
    return e.what();
  }
  return "(parsed)";
}

}  // namespace

TEST(S3Xml, ErrorDocumentWithKey) {
  const char* body =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<Error>\n"
      "  <Code>NoSuchKey</Code>\n"
      "  <Message>The resource you requested does not exist</Message>\n"
      "  <Key>machine_metrics/2026-02-03/data.parquet</Key>\n"
      "  <RequestId>4442587FB7D0A2F9</RequestId>\n"
      "  <HostId>abc123=</HostId>\n"
      "</Error>\n";
  auto e = parse_error(body);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, "NoSuchKey");
  EXPECT_EQ(e->message, "The resource you requested does not exist");
  EXPECT_EQ(e->key, "machine_metrics/2026-02-03/data.parquet");
  EXPECT_EQ(e->bucket_name, "");
}

TEST(S3Xml, ErrorDocumentWithBucketName) {
  auto e = parse_error(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchBucket</Code>"
      "<Message>The specified bucket does not exist</Message><BucketName>exports</BucketName>"
      "<RequestId>1</RequestId></Error>");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, "NoSuchBucket");
  EXPECT_EQ(e->message, "The specified bucket does not exist");
  EXPECT_EQ(e->bucket_name, "exports");
}

TEST(S3Xml, ParseErrorReturnsNulloptForNonErrorBodies) {
  EXPECT_FALSE(parse_error("").has_value());
  EXPECT_FALSE(parse_error("<html><body>502 Bad Gateway</body></html>").has_value());
  EXPECT_FALSE(parse_error("upstream connect error").has_value());
  EXPECT_FALSE(parse_error("<Error><Code>SlowDown</Code>").has_value());  // truncated
  EXPECT_FALSE(parse_error("<ListBucketResult/>").has_value());
}

TEST(S3Xml, EntitiesAreDecoded) {
  Element e = parse("<R><K>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#65;&#x42;&#xe9;&#x20AC;&#128512;</K></R>");
  EXPECT_EQ(e.child_text("K"), "a & b <c> \"d\" 'e' AB\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
}

TEST(S3Xml, CdataCommentsAndNamespacesAreHandled) {
  Element e = parse(
      "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- leading --><s3:Root "
      "xmlns:s3=\"http://s3.amazonaws.com/doc/2006-03-01/\""
      " a='1'><s3:K><![CDATA[x<&>y]]></s3:K><!-- c --><E/><F a=\"b\" /></s3:Root>\n<!-- trailing -->");
  EXPECT_EQ(e.name, "Root");
  ASSERT_EQ(e.children.size(), 3u);
  EXPECT_EQ(e.child_text("K"), "x<&>y");
  EXPECT_EQ(e.children[1].name, "E");
  EXPECT_EQ(e.children[1].text, "");
  EXPECT_EQ(e.children[2].name, "F");
  EXPECT_EQ(e.child("Missing"), nullptr);
  EXPECT_EQ(e.child_text("Missing"), "");
}

TEST(S3Xml, LeadingWhitespaceBeforeTheDocumentIsAccepted) {
  // AWS sends spaces while a CompleteMultipartUpload is processed, before the document.
  CompleteResult r = parse_complete_multipart_upload(
      "          \n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUploadResult "
      "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Location>https://b.s3.amazonaws.com/k</Location>"
      "<Bucket>b</Bucket><Key>k</Key><ETag>\"3858f62230ac3c915f300c664312c11f-9\"</ETag>"
      "</CompleteMultipartUploadResult>");
  EXPECT_FALSE(r.error.has_value());
  EXPECT_EQ(r.etag, "\"3858f62230ac3c915f300c664312c11f-9\"");
}

TEST(S3Xml, MalformedDocumentsFailWithOffsets) {
  EXPECT_EQ(parse_failure(""), "malformed XML: no root element at byte 0");
  EXPECT_EQ(parse_failure("   "), "malformed XML: no root element at byte 3");
  EXPECT_EQ(parse_failure("hello"), "malformed XML: text before the root element at byte 0");
  EXPECT_EQ(parse_failure("<A><B>x</B>"), "malformed XML: unexpected end of document inside <A> at byte 11");
  EXPECT_EQ(parse_failure("<A><B>x</A></B>"), "malformed XML: end tag does not match <B> at byte 10");
  EXPECT_EQ(parse_failure("<A>x</A><B/>"), "malformed XML: content after the root element at byte 8");
  EXPECT_EQ(parse_failure("<A>&bogus;</A>"), "malformed XML: unknown entity &bogus; at byte 3");
  EXPECT_EQ(parse_failure("<A>&amp</A>"), "malformed XML: unterminated entity reference at byte 3");
  EXPECT_EQ(parse_failure("<A>&#0;</A>"), "malformed XML: invalid character reference &#0; at byte 3");
  EXPECT_EQ(parse_failure("<A>&#xD800;</A>"), "malformed XML: invalid character reference &#xD800; at byte 3");
  EXPECT_EQ(parse_failure("<A>&#x110000;</A>"), "malformed XML: invalid character reference &#x110000; at byte 3");
  EXPECT_EQ(parse_failure("<A>&#12a;</A>"), "malformed XML: invalid character reference &#12a; at byte 3");
  EXPECT_EQ(parse_failure("<A b=\"1></A>"), "malformed XML: unterminated attribute value at byte 6");
  EXPECT_EQ(parse_failure("<A b></A>"), "malformed XML: expected '=' in an attribute at byte 4");
  EXPECT_EQ(parse_failure("<A"), "malformed XML: unterminated start tag <A> at byte 2");
  EXPECT_EQ(parse_failure("<A/"), "malformed XML: expected '>' after '/' at byte 3");
  EXPECT_EQ(parse_failure("<>"), "malformed XML: expected a name at byte 1");
  EXPECT_EQ(parse_failure("<A><![CDATA[x</A>"), "malformed XML: unterminated CDATA section at byte 12");
  EXPECT_EQ(parse_failure("<A><!-- x</A>"), "malformed XML: unterminated comment at byte 7");
  EXPECT_EQ(parse_failure("<?xml version=\"1.0\""), "malformed XML: unterminated processing instruction at byte 0");
  EXPECT_EQ(parse_failure("<!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>"),
            "malformed XML: DOCTYPE is not supported at byte 0");
}

TEST(S3Xml, EveryPrefixOfAValidDocumentFailsCleanly) {
  const std::string doc =
      "<?xml version=\"1.0\"?><ListBucketResult><Contents><Key>a&amp;b</Key><Size>12</Size></Contents>"
      "<!-- x --><IsTruncated>false</IsTruncated><K><![CDATA[z]]></K></ListBucketResult>";
  for (size_t n = 0; n < doc.size(); ++n) {
    // A fresh copy of exactly n bytes, so that ASan catches any read past the end.
    std::string prefix = doc.substr(0, n);
    std::unique_ptr<char[]> exact(new char[n == 0 ? 1 : n]);
    std::copy(prefix.begin(), prefix.end(), exact.get());
    EXPECT_THROW(parse_list_objects_v2(std::string_view(exact.get(), n)), ParseError) << "prefix of " << n;
  }
  EXPECT_EQ(parse_list_objects_v2(doc).objects.size(), 1u);
}

TEST(S3Xml, DeepNestingIsRefused) {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<a>";
  for (int i = 0; i < 100; ++i) deep += "</a>";
  EXPECT_EQ(parse_failure(deep), "malformed XML: elements nested deeper than 64 at byte 192");
  std::string ok;
  for (int i = 0; i < 64; ++i) ok += "<a>";
  for (int i = 0; i < 64; ++i) ok += "</a>";
  EXPECT_NO_THROW(parse(ok));
}

TEST(S3Xml, ListObjectsV2Page) {
  ListObjectsPage page = parse_list_objects_v2(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
      "  <Name>exports</Name>\n"
      "  <Prefix>machine_metrics/</Prefix>\n"
      "  <KeyCount>2</KeyCount>\n"
      "  <MaxKeys>2</MaxKeys>\n"
      "  <IsTruncated>true</IsTruncated>\n"
      "  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>\n"
      "  <Contents>\n"
      "    <Key>machine_metrics/2026-02-03/_manifest.json</Key>\n"
      "    <LastModified>2026-02-04T00:10:00.000Z</LastModified>\n"
      "    <ETag>&quot;599bab3ed2c697f1d26842727561fd94&quot;</ETag>\n"
      "    <Size>512</Size>\n"
      "    <StorageClass>STANDARD</StorageClass>\n"
      "  </Contents>\n"
      "  <Contents>\n"
      "    <Key>machine_metrics/2026-02-03/a &amp; b.parquet</Key>\n"
      "    <Size>18446744073709551615</Size>\n"
      "  </Contents>\n"
      "</ListBucketResult>\n");
  ASSERT_EQ(page.objects.size(), 2u);
  EXPECT_EQ(page.objects[0].key, "machine_metrics/2026-02-03/_manifest.json");
  EXPECT_EQ(page.objects[0].size, 512u);
  EXPECT_EQ(page.objects[1].key, "machine_metrics/2026-02-03/a & b.parquet");
  EXPECT_EQ(page.objects[1].size, 18446744073709551615u);
  EXPECT_TRUE(page.is_truncated);
  EXPECT_EQ(page.next_continuation_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
}

TEST(S3Xml, ListObjectsV2EmptyAndBadPages) {
  ListObjectsPage empty = parse_list_objects_v2(
      "<ListBucketResult><Name>b</Name><Prefix>x/</Prefix><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated>"
      "</ListBucketResult>");
  EXPECT_TRUE(empty.objects.empty());
  EXPECT_FALSE(empty.is_truncated);

  auto message = [](std::string_view xml) {
    try {
      parse_list_objects_v2(xml);
    } catch (const ParseError& e) {
      return std::string(e.what());
    }
    return std::string("(parsed)");
  };
  EXPECT_EQ(message("<Error><Code>AccessDenied</Code></Error>"), "expected <ListBucketResult>, got <Error>");
  EXPECT_EQ(message("<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents></ListBucketResult>"),
            "<Size> of \"k\" is not a byte count: \"-1\"");
  EXPECT_EQ(message("<ListBucketResult><Contents><Key>k</Key><Size>18446744073709551616</Size></Contents>"
                    "</ListBucketResult>"),
            "<Size> of \"k\" is not a byte count: \"18446744073709551616\"");
  EXPECT_EQ(message("<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>"),
            "<Contents> without <Key>");
  EXPECT_EQ(message("<ListBucketResult><IsTruncated>yes</IsTruncated></ListBucketResult>"),
            "<IsTruncated> is not true or false: \"yes\"");
  EXPECT_EQ(message("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"),
            "truncated listing without <NextContinuationToken>");
}

TEST(S3Xml, InitiateMultipartUpload) {
  EXPECT_EQ(parse_initiate_multipart_upload(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult "
                "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Bucket>exports</Bucket><Key>a/b.parquet</Key>"
                "<UploadId>VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA</UploadId>"
                "</InitiateMultipartUploadResult>"),
            "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA");
  EXPECT_THROW(parse_initiate_multipart_upload("<InitiateMultipartUploadResult><UploadId></UploadId>"
                                               "</InitiateMultipartUploadResult>"),
               ParseError);
  EXPECT_THROW(parse_initiate_multipart_upload("<Error><Code>x</Code></Error>"), ParseError);
}

TEST(S3Xml, CompleteMultipartUploadWithErrorInA200) {
  CompleteResult r = parse_complete_multipart_upload(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\n<Error>\n<Code>InternalError</Code>\n"
      "<Message>We encountered an internal error. Please try again.</Message>\n"
      "<RequestId>656c76696e6727732072657175657374</RequestId>\n"
      "<HostId>Uuag1LuByRx9e6j5Onimru9pO4ZVKnJ2Qz7/C1NPcfTWAtRPfTaOFg==</HostId>\n</Error>");
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->code, "InternalError");
  EXPECT_EQ(r.error->message, "We encountered an internal error. Please try again.");
  EXPECT_THROW(parse_complete_multipart_upload("<Other/>"), ParseError);
  EXPECT_THROW(parse_complete_multipart_upload(""), ParseError);
  EXPECT_THROW(parse_complete_multipart_upload("<CompleteMultipartUploadResult><ETag>x"), ParseError);
}

TEST(S3Xml, DeleteResultWithDeletedAndErrors) {
  DeleteResult r = parse_delete_result(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
      "  <Deleted><Key>sample1.txt</Key></Deleted>\n"
      "  <Error><Key>sample2 &lt;x&gt;.txt</Key><VersionId>1</VersionId><Code>AccessDenied</Code>"
      "<Message>Access Denied</Message></Error>\n"
      "</DeleteResult>");
  ASSERT_EQ(r.deleted.size(), 1u);
  EXPECT_EQ(r.deleted[0], "sample1.txt");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].key, "sample2 <x>.txt");
  EXPECT_EQ(r.errors[0].code, "AccessDenied");
  EXPECT_EQ(r.errors[0].message, "Access Denied");
  DeleteResult quiet = parse_delete_result("<DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>");
  EXPECT_TRUE(quiet.deleted.empty());
  EXPECT_TRUE(quiet.errors.empty());
}

TEST(S3Xml, ListMultipartUploadsPage) {
  MultipartUploadsPage page = parse_list_multipart_uploads(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<ListMultipartUploadsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
      "  <Bucket>exports</Bucket>\n  <KeyMarker></KeyMarker>\n  <UploadIdMarker></UploadIdMarker>\n"
      "  <NextKeyMarker>my-movie.m2ts</NextKeyMarker>\n"
      "  <NextUploadIdMarker>YW55IGlkZWEgd2h5IGVsdmluZydzIHVwbG9hZCBmYWlsZWQ</NextUploadIdMarker>\n"
      "  <MaxUploads>3</MaxUploads>\n  <IsTruncated>true</IsTruncated>\n"
      "  <Upload>\n    <Key>my-divisor</Key>\n"
      "    <UploadId>XMgbGlrZSBlbHZpbmcncyBub3QgaGF2aW5nIG11Y2ggbHVjaw</UploadId>\n"
      "    <Initiator><ID>arn:aws:iam::111122223333:user/u</ID><DisplayName>u</DisplayName></Initiator>\n"
      "    <StorageClass>STANDARD</StorageClass>\n"
      "    <Initiated>2010-11-10T20:48:33.000Z</Initiated>\n  </Upload>\n"
      "  <Upload>\n    <Key>my-movie.m2ts</Key>\n"
      "    <UploadId>YW55IGlkZWEgd2h5IGVsdmluZydzIHVwbG9hZCBmYWlsZWQ</UploadId>\n"
      "    <Initiated>2010-11-10T20:48:33.000Z</Initiated>\n  </Upload>\n"
      "</ListMultipartUploadsResult>");
  ASSERT_EQ(page.uploads.size(), 2u);
  EXPECT_EQ(page.uploads[0].key, "my-divisor");
  EXPECT_EQ(page.uploads[0].upload_id, "XMgbGlrZSBlbHZpbmcncyBub3QgaGF2aW5nIG11Y2ggbHVjaw");
  EXPECT_EQ(page.uploads[0].initiated, "2010-11-10T20:48:33.000Z");
  EXPECT_EQ(page.uploads[1].key, "my-movie.m2ts");
  EXPECT_TRUE(page.is_truncated);
  EXPECT_EQ(page.next_key_marker, "my-movie.m2ts");
  EXPECT_EQ(page.next_upload_id_marker, "YW55IGlkZWEgd2h5IGVsdmluZydzIHVwbG9hZCBmYWlsZWQ");

  MultipartUploadsPage none = parse_list_multipart_uploads(
      "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>");
  EXPECT_TRUE(none.uploads.empty());
  EXPECT_FALSE(none.is_truncated);
  EXPECT_THROW(parse_list_multipart_uploads("<ListMultipartUploadsResult><Upload><Key>k</Key></Upload>"
                                            "</ListMultipartUploadsResult>"),
               ParseError);
}

TEST(S3Xml, EscapeRoundTrips) {
  const std::string key = "a&b <c> \"d\" 'e'\r\n\xC3\xA9";
  EXPECT_EQ(escape(key), "a&amp;b &lt;c&gt; \"d\" 'e'&#13;\n\xC3\xA9");
  EXPECT_EQ(parse("<K>" + escape(key) + "</K>").text, key);
}
