// A small XML reader for the responses of the S3 REST API (AWS S3, Cloudflare R2, MinIO,
// s3rver), and the one escaping function for the XML bodies aesync sends.
//
// parse() turns a document into a tree of elements (local names, namespace prefixes dropped;
// attributes skipped; character data with the five predefined entities and numeric character
// references decoded; CDATA kept; comments and processing instructions skipped). It reads only
// inside the given bytes, limits nesting to 64 levels and refuses DOCTYPE (no entity expansion),
// so a truncated, hostile or non-XML body ends in ParseError, never in a crash; names hold no
// control characters, and what a message quotes from the body goes through aesync::shown()
// (util/text.h), cut at 64 bytes, so it stays one printable line. Leading
// whitespace is allowed: AWS keeps a slow CompleteMultipartUpload alive by sending spaces
// before the document.
//
// The typed readers check the root element's name and pick out the fields aesync uses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/object_store.h"
#include "storage/s3_store.h"
#include "util/error.h"

namespace aesync::s3xml {

//! A body that is not well-formed XML or not the document expected; the message says why and
//! where (byte offset).
class ParseError : public Error {
 public:
  using Error::Error;
};

struct Element {
  std::string name;  //!< local name ("ListBucketResult"), without any namespace prefix
  std::string text;  //!< the decoded character data directly inside this element
  std::vector<Element> children;

  //! The first child element of that name, or nullptr.
  const Element* child(std::string_view name) const;
  //! The text of the first child of that name; "" when there is none.
  std::string child_text(std::string_view name) const;
};

//! Parses a whole document; returns its root element.
Element parse(std::string_view xml);

//! An S3 <Error> document.
struct ErrorInfo {
  std::string code;  //!< "NoSuchBucket", "SignatureDoesNotMatch", "SlowDown"...
  std::string message;
  std::string key;          //!< when S3 names it
  std::string bucket_name;  //!< when S3 names it
};

//! The <Error> document in `body`; nullopt when the body is empty, not XML or another document.
std::optional<ErrorInfo> parse_error(std::string_view body);

//! One page of ListObjectsV2.
struct ListObjectsPage {
  std::vector<ObjectInfo> objects;
  bool is_truncated = false;
  std::string next_continuation_token;
};
ListObjectsPage parse_list_objects_v2(std::string_view body);

//! The UploadId of an InitiateMultipartUploadResult (never empty).
std::string parse_initiate_multipart_upload(std::string_view body);

//! A CompleteMultipartUpload answer: S3 may answer 200 and still fail, with an <Error> body.
struct CompleteResult {
  std::optional<ErrorInfo> error;  //!< set when the body is an <Error> document
  std::string etag;
};
CompleteResult parse_complete_multipart_upload(std::string_view body);

//! A DeleteObjects answer (in quiet mode only the failed keys are listed).
struct DeleteError {
  std::string key;
  std::string code;
  std::string message;
};
struct DeleteResult {
  std::vector<std::string> deleted;
  std::vector<DeleteError> errors;
};
DeleteResult parse_delete_result(std::string_view body);

//! One page of ListMultipartUploads.
struct MultipartUploadsPage {
  std::vector<PendingUpload> uploads;
  bool is_truncated = false;
  std::string next_key_marker;
  std::string next_upload_id_marker;
};
MultipartUploadsPage parse_list_multipart_uploads(std::string_view body);

//! `text` escaped for character data: & < > as entities, CR as &#13; (a literal CR would be
//! normalised away by the server's parser).
std::string escape(std::string_view text);

}  // namespace aesync::s3xml
