#include "storage/s3_xml.h"

#include <algorithm>
#include <charconv>

#include "util/text.h"

namespace aesync::s3xml {

namespace {

constexpr int kMaxDepth = 64;
constexpr size_t kQuotedBytes = 64;  // of the input quoted in an error message

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// A recursive-descent reader over [0, size) of one buffer; every access is checked against
// the end, and every failure names the byte offset.
class Parser {
 public:
  explicit Parser(std::string_view xml) : s_(xml) {}

  Element document() {
    if (s_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
    skip_misc();
    if (pos_ >= s_.size()) fail("no root element");
    if (s_[pos_] != '<') fail("text before the root element");
    Element root;
    element(root, 1);
    skip_misc();
    if (pos_ != s_.size()) fail("content after the root element");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw ParseError("malformed XML: " + what + " at byte " + std::to_string(pos_));
  }

  bool starts_with(std::string_view p) const { return s_.substr(pos_, p.size()) == p; }

  void skip_space() {
    while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
  }

  // Moves past the next `end`, or fails with `what` when the document ends first.
  void skip_past(std::string_view end, const char* what) {
    size_t at = s_.find(end, pos_);
    if (at == std::string_view::npos) fail(std::string("unterminated ") + what);
    pos_ = at + end.size();
  }

  // Whitespace, comments and processing instructions (the XML declaration among them) around
  // the root element; a DOCTYPE is refused so that no entity can be declared or expanded.
  void skip_misc() {
    for (;;) {
      skip_space();
      if (starts_with("<?")) {
        skip_past("?>", "processing instruction");
      } else if (starts_with("<!--")) {
        pos_ += 4;
        skip_past("-->", "comment");
      } else if (starts_with("<!")) {
        fail("DOCTYPE is not supported");
      } else {
        return;
      }
    }
  }

  // XML names never hold control characters (nor could a message quote them safely).
  static bool name_char(char c) {
    return static_cast<unsigned char>(c) > 0x20 && c != 0x7f && c != '/' && c != '>' && c != '<' && c != '=' &&
           c != '"' && c != '\'' && c != '&';
  }

  std::string_view name() {
    size_t start = pos_;
    while (pos_ < s_.size() && name_char(s_[pos_])) ++pos_;
    if (pos_ == start) fail("expected a name");
    return s_.substr(start, pos_ - start);
  }

  static std::string local_name(std::string_view qname) {
    size_t colon = qname.rfind(':');
    return std::string(colon == std::string_view::npos ? qname : qname.substr(colon + 1));
  }

  // At '<' of a start tag: reads the element with its content and end tag into `out`.
  void element(Element& out, int depth) {
    if (depth > kMaxDepth) fail("elements nested deeper than " + std::to_string(kMaxDepth));
    ++pos_;  // '<'
    const std::string_view qname = name();
    out.name = local_name(qname);
    // Attributes: namespaces and the like; aesync needs none of them, so they are only checked.
    for (;;) {
      skip_space();
      if (pos_ >= s_.size()) fail("unterminated start tag <" + shown(out.name, kQuotedBytes) + ">");
      if (s_[pos_] == '>') {
        ++pos_;
        break;
      }
      if (s_[pos_] == '/') {
        ++pos_;
        if (pos_ >= s_.size() || s_[pos_] != '>') fail("expected '>' after '/'");
        ++pos_;
        return;  // <Empty/>
      }
      name();
      skip_space();
      if (pos_ >= s_.size() || s_[pos_] != '=') fail("expected '=' in an attribute");
      ++pos_;
      skip_space();
      if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\'')) fail("expected a quoted attribute value");
      const char quote = s_[pos_++];
      size_t end = s_.find(quote, pos_);
      if (end == std::string_view::npos) fail("unterminated attribute value");
      pos_ = end + 1;
    }
    content(out, qname, depth);
  }

  void content(Element& out, std::string_view qname, int depth) {
    for (;;) {
      if (pos_ >= s_.size()) fail("unexpected end of document inside <" + shown(out.name, kQuotedBytes) + ">");
      if (s_[pos_] != '<') {
        size_t end = s_.find('<', pos_);
        if (end == std::string_view::npos) end = s_.size();
        decode(s_.substr(pos_, end - pos_), out.text);
        pos_ = end;
      } else if (starts_with("</")) {
        pos_ += 2;
        if (name() != qname) fail("end tag does not match <" + shown(qname, kQuotedBytes) + ">");
        skip_space();
        if (pos_ >= s_.size() || s_[pos_] != '>') fail("expected '>' in an end tag");
        ++pos_;
        return;
      } else if (starts_with("<!--")) {
        pos_ += 4;
        skip_past("-->", "comment");
      } else if (starts_with("<![CDATA[")) {
        pos_ += 9;
        size_t end = s_.find("]]>", pos_);
        if (end == std::string_view::npos) fail("unterminated CDATA section");
        out.text.append(s_.substr(pos_, end - pos_));
        pos_ = end + 3;
      } else if (starts_with("<?")) {
        skip_past("?>", "processing instruction");
      } else if (starts_with("<!")) {
        fail("unexpected markup declaration");
      } else {
        out.children.emplace_back();
        element(out.children.back(), depth + 1);
      }
    }
  }

  // Character data with entity and character references decoded. `text` lies inside s_, so
  // failures can name its offset.
  void decode(std::string_view text, std::string& out) {
    const size_t base = pos_;
    size_t i = 0;
    while (i < text.size()) {
      size_t amp = text.find('&', i);
      if (amp == std::string_view::npos) {
        out.append(text.substr(i));
        return;
      }
      out.append(text.substr(i, amp - i));
      size_t semi = text.find(';', amp);
      pos_ = base + amp;
      if (semi == std::string_view::npos || semi - amp > 12) fail("unterminated entity reference");
      std::string_view ref = text.substr(amp + 1, semi - amp - 1);
      if (ref == "amp") {
        out.push_back('&');
      } else if (ref == "lt") {
        out.push_back('<');
      } else if (ref == "gt") {
        out.push_back('>');
      } else if (ref == "quot") {
        out.push_back('"');
      } else if (ref == "apos") {
        out.push_back('\'');
      } else if (ref.size() >= 2 && ref[0] == '#') {
        const bool hex = ref[1] == 'x';
        std::string_view digits = ref.substr(hex ? 2 : 1);
        uint32_t cp = 0;
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
        if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || cp == 0 || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
          fail("invalid character reference &" + shown(ref, kQuotedBytes) + ";");
        append_utf8(out, cp);
      } else {
        fail("unknown entity &" + shown(ref, kQuotedBytes) + ";");
      }
      i = semi + 1;
    }
    pos_ = base + text.size();
  }

  std::string_view s_;
  size_t pos_ = 0;
};

Element parse_root(std::string_view body, std::string_view expected) {
  Element root = parse(body);
  if (root.name != expected)
    throw ParseError("expected <" + std::string(expected) + ">, got <" + shown(root.name, kQuotedBytes) + ">");
  return root;
}

bool parse_bool(const Element& parent, std::string_view name) {
  const Element* e = parent.child(name);
  if (!e) return false;
  if (e->text == "true") return true;
  if (e->text == "false") return false;
  throw ParseError("<" + std::string(name) + "> is not true or false: \"" + shown(e->text, kQuotedBytes) + "\"");
}

ErrorInfo error_info(const Element& e) {
  return {e.child_text("Code"), e.child_text("Message"), e.child_text("Key"), e.child_text("BucketName")};
}

}  // namespace

const Element* Element::child(std::string_view n) const {
  for (const Element& c : children)
    if (c.name == n) return &c;
  return nullptr;
}

std::string Element::child_text(std::string_view n) const {
  const Element* c = child(n);
  return c ? c->text : std::string();
}

Element parse(std::string_view xml) { return Parser(xml).document(); }

std::optional<ErrorInfo> parse_error(std::string_view body) {
  try {
    Element root = parse(body);
    if (root.name != "Error") return std::nullopt;
    return error_info(root);
  } catch (const ParseError&) {
    return std::nullopt;
  }
}

ListObjectsPage parse_list_objects_v2(std::string_view body) {
  Element root = parse_root(body, "ListBucketResult");
  ListObjectsPage page;
  for (const Element& c : root.children) {
    if (c.name != "Contents") continue;
    const Element* key = c.child("Key");
    if (!key) throw ParseError("<Contents> without <Key>");
    const std::string size_text = c.child_text("Size");
    uint64_t size = 0;
    auto [end, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size);
    if (size_text.empty() || ec != std::errc() || end != size_text.data() + size_text.size())
      throw ParseError("<Size> of \"" + shown(key->text, kQuotedBytes) + "\" is not a byte count: \"" +
                       shown(size_text, kQuotedBytes) + "\"");
    page.objects.push_back({key->text, size});
  }
  page.is_truncated = parse_bool(root, "IsTruncated");
  page.next_continuation_token = root.child_text("NextContinuationToken");
  if (page.is_truncated && page.next_continuation_token.empty())
    throw ParseError("truncated listing without <NextContinuationToken>");
  return page;
}

std::string parse_initiate_multipart_upload(std::string_view body) {
  Element root = parse_root(body, "InitiateMultipartUploadResult");
  std::string id = root.child_text("UploadId");
  if (id.empty()) throw ParseError("<InitiateMultipartUploadResult> without <UploadId>");
  return id;
}

CompleteResult parse_complete_multipart_upload(std::string_view body) {
  Element root = parse(body);
  CompleteResult result;
  if (root.name == "Error") {
    result.error = error_info(root);
  } else if (root.name == "CompleteMultipartUploadResult") {
    result.etag = root.child_text("ETag");
  } else {
    throw ParseError("expected <CompleteMultipartUploadResult>, got <" + shown(root.name, kQuotedBytes) + ">");
  }
  return result;
}

DeleteResult parse_delete_result(std::string_view body) {
  Element root = parse_root(body, "DeleteResult");
  DeleteResult result;
  for (const Element& c : root.children) {
    if (c.name == "Deleted") {
      result.deleted.push_back(c.child_text("Key"));
    } else if (c.name == "Error") {
      result.errors.push_back({c.child_text("Key"), c.child_text("Code"), c.child_text("Message")});
    }
  }
  return result;
}

MultipartUploadsPage parse_list_multipart_uploads(std::string_view body) {
  Element root = parse_root(body, "ListMultipartUploadsResult");
  MultipartUploadsPage page;
  for (const Element& c : root.children) {
    if (c.name != "Upload") continue;
    PendingUpload u{c.child_text("Key"), c.child_text("UploadId"), c.child_text("Initiated")};
    if (u.key.empty() || u.upload_id.empty()) throw ParseError("<Upload> without <Key> or <UploadId>");
    page.uploads.push_back(std::move(u));
  }
  page.is_truncated = parse_bool(root, "IsTruncated");
  page.next_key_marker = root.child_text("NextKeyMarker");
  page.next_upload_id_marker = root.child_text("NextUploadIdMarker");
  if (page.is_truncated && page.next_key_marker.empty())
    throw ParseError("truncated upload listing without <NextKeyMarker>");
  return page;
}

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\r': out += "&#13;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

}  // namespace aesync::s3xml
