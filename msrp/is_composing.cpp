#include "msrp/is_composing.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "msrp/cpim.hpp"
#include "msrp/detail/utf8.hpp"

namespace cosip::msrp {
namespace {

using detail::append_utf8;
using detail::utf8_decode;

bool is_xml_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// NameStartChar / NameChar of XML 1.0 §2.3, with every non-ASCII byte taken
// as a name character (the document's UTF-8 is checked where text is read).
bool is_name_start(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u >= 0x80;
}
bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

// Char of XML 1.0 §2.2.
bool is_xml_char(std::uint32_t cp) {
  return cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
         (cp >= 0x10000 && cp <= 0x10ffff);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_xml_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_xml_space(s.back())) s.remove_suffix(1);
  return s;
}

enum class Child : std::uint8_t { state, lastactive, contenttype, refresh, none };

Child known_child(std::string_view local) {
  if (local == "state") return Child::state;
  if (local == "lastactive") return Child::lastactive;
  if (local == "contenttype") return Child::contenttype;
  if (local == "refresh") return Child::refresh;
  return Child::none;
}

class Reader {
 public:
  Reader(std::string_view doc, IsComposing& out, const IsComposingOptions& options, const IsComposingLimits& limits)
      : doc_(doc), out_(out), options_(options), limits_(limits) {}

  IsComposingError run() {
    out_ = IsComposing{};
    if (doc_.size() > limits_.max_size) return {"document too large", static_cast<std::uint32_t>(limits_.max_size)};
    if (starts("<?xml") && pos_ + 5 < doc_.size() && is_xml_space(doc_[pos_ + 5])) {
      if (!declaration()) return err_;
    }
    if (!misc()) return err_;
    if (!root()) return err_;
    if (!misc()) return err_;
    if (pos_ != doc_.size()) return {"content after the root element", static_cast<std::uint32_t>(pos_)};
    return {};
  }

 private:
  struct Binding {
    std::string prefix;
    std::string uri;
    std::size_t depth;
  };
  struct Tag {
    std::string_view qname;
    std::string_view prefix;
    std::string_view local;
    std::string ns;  // resolved namespace name, empty when unqualified
    bool empty = false;  // <x/>
    std::size_t offset = 0;
  };

  bool fail(const char* what, std::size_t offset) {
    err_ = IsComposingError{what, static_cast<std::uint32_t>(offset)};
    return false;
  }
  bool starts(std::string_view s) const { return doc_.substr(pos_).starts_with(s); }
  void skip_space() {
    while (pos_ < doc_.size() && is_xml_space(doc_[pos_])) ++pos_;
  }

  // XMLDecl = '<?xml' VersionInfo EncodingDecl? SDDecl? S? '?>' (XML 1.0 §2.8)
  bool declaration() {
    const std::size_t start = pos_;
    pos_ += 5;
    bool version = false;
    std::size_t index = 0;
    while (true) {
      const bool space = pos_ < doc_.size() && is_xml_space(doc_[pos_]);
      skip_space();
      if (starts("?>")) {
        pos_ += 2;
        return version || fail("XML declaration without version", start);
      }
      if (!space) return fail("malformed XML declaration", pos_);
      const std::size_t at = pos_;
      std::string_view name;
      std::string value;
      if (!attribute(name, value)) return false;
      if (name == "version" && index == 0) {
        if (value != "1.0") return fail("XML version other than 1.0", at);
        version = true;
      } else if (name == "encoding" && index == 1) {
        if (value != "UTF-8" && value != "utf-8") return fail("encoding other than UTF-8", at);
      } else if (name == "standalone" && index >= 1) {
        if (value != "yes" && value != "no") return fail("bad standalone", at);
        index = 2;
      } else {
        return fail("unexpected pseudo-attribute in the XML declaration", at);
      }
      ++index;
    }
  }

  // Misc* : whitespace and comments; no PI, no DOCTYPE.
  bool misc() {
    while (true) {
      skip_space();
      if (starts("<!--")) {
        if (!comment()) return false;
      } else if (starts("<?")) {
        return fail("processing instruction", pos_);
      } else if (starts("<!")) {
        return fail("DOCTYPE or other declaration", pos_);
      } else {
        return true;
      }
    }
  }

  // Comment = '<!--' ((Char - '-') | ('-' (Char - '-')))* '-->'
  bool comment() {
    const std::size_t start = pos_;
    const std::size_t end = doc_.find("--", pos_ + 4);
    if (end == std::string_view::npos || end + 2 >= doc_.size() || doc_[end + 2] != '>')
      return fail("unterminated comment or -- inside it", start);
    std::string ignored;
    if (!chars(doc_.substr(pos_ + 4, end - pos_ - 4), pos_ + 4, ignored)) return false;
    pos_ = end + 3;
    return true;
  }

  // Raw characters: well-formed UTF-8 of XML Chars.
  bool chars(std::string_view text, std::size_t at, std::string& out) {
    for (std::size_t i = 0; i < text.size();) {
      std::uint32_t cp = 0;
      const std::size_t n = utf8_decode(text, i, cp);
      if (n == 0) return fail("not UTF-8", at + i);
      if (!is_xml_char(cp)) return fail("character not allowed in XML", at + i);
      out.append(text.substr(i, n));
      i += n;
    }
    return true;
  }

  // Name (XML 1.0 §2.3), at most one ':' inside (Namespaces §3).
  bool name(std::string_view& out) {
    const std::size_t start = pos_;
    if (pos_ >= doc_.size() || !is_name_start(doc_[pos_])) return fail("expected a name", pos_);
    std::size_t colons = 0;
    while (pos_ < doc_.size() && (is_name_char(doc_[pos_]) || doc_[pos_] == ':')) colons += doc_[pos_++] == ':';
    out = doc_.substr(start, pos_ - start);
    if (colons > 1 || out.back() == ':' || (colons == 1 && !is_name_start(out[out.find(':') + 1])))
      return fail("malformed qualified name", start);
    return true;
  }

  // Reference = '&' (lt | gt | amp | quot | apos | '#' [0-9]+ | '#x' [0-9a-fA-F]+) ';'
  bool reference(std::string& out) {
    const std::size_t start = pos_;
    const std::size_t semi = doc_.find(';', pos_);
    if (semi == std::string_view::npos || semi - pos_ > 12) return fail("malformed reference", start);
    const std::string_view ref = doc_.substr(pos_ + 1, semi - pos_ - 1);
    pos_ = semi + 1;
    if (ref == "lt") out += '<';
    else if (ref == "gt") out += '>';
    else if (ref == "amp") out += '&';
    else if (ref == "quot") out += '"';
    else if (ref == "apos") out += '\'';
    else if (ref.size() >= 2 && ref[0] == '#') {
      const bool hex = ref[1] == 'x';
      const std::string_view digits = ref.substr(hex ? 2 : 1);
      if (digits.empty()) return fail("malformed character reference", start);
      std::uint32_t cp = 0;
      for (char c : digits) {
        std::uint32_t d = 0;
        if (c >= '0' && c <= '9') d = static_cast<std::uint32_t>(c - '0');
        else if (hex && c >= 'a' && c <= 'f') d = static_cast<std::uint32_t>(c - 'a' + 10);
        else if (hex && c >= 'A' && c <= 'F') d = static_cast<std::uint32_t>(c - 'A' + 10);
        else return fail("malformed character reference", start);
        cp = cp * (hex ? 16 : 10) + d;
        if (cp > 0x10ffff) return fail("character reference out of range", start);
      }
      if (!is_xml_char(cp)) return fail("character reference to a character not allowed in XML", start);
      append_utf8(out, cp);
    } else {
      return fail("undefined entity", start);
    }
    return true;
  }

  // Attribute = Name Eq AttValue; AttValue has no '<', references decoded.
  bool attribute(std::string_view& attr_name, std::string& value) {
    if (!name(attr_name)) return false;
    skip_space();
    if (pos_ >= doc_.size() || doc_[pos_] != '=') return fail("expected '=' after an attribute name", pos_);
    ++pos_;
    skip_space();
    if (pos_ >= doc_.size() || (doc_[pos_] != '"' && doc_[pos_] != '\'')) return fail("attribute value not quoted", pos_);
    const char quote = doc_[pos_++];
    while (true) {
      if (pos_ >= doc_.size()) return fail("unterminated attribute value", pos_);
      const char c = doc_[pos_];
      if (c == quote) break;
      if (c == '<') return fail("'<' in an attribute value", pos_);
      if (c == '&') {
        if (!reference(value)) return false;
        continue;
      }
      const std::size_t run = pos_;
      while (pos_ < doc_.size() && doc_[pos_] != quote && doc_[pos_] != '<' && doc_[pos_] != '&') ++pos_;
      if (!chars(doc_.substr(run, pos_ - run), run, value)) return false;
    }
    ++pos_;
    return true;
  }

  std::string_view lookup(std::string_view prefix) const {
    for (auto it = bindings_.rbegin(); it != bindings_.rend(); ++it)
      if (it->prefix == prefix) return it->uri;
    return {};
  }

  // STag / EmptyElemTag with its namespace declarations (Namespaces §5).
  bool start_tag(Tag& tag) {
    tag.offset = pos_;
    if (++elements_ > limits_.max_elements) return fail("too many elements", pos_);
    if (depth_ + 1 > limits_.max_depth) return fail("elements nested too deep", pos_);
    ++pos_;  // '<'
    if (!name(tag.qname)) return false;
    ++depth_;
    std::vector<std::string_view> seen;
    while (true) {
      const bool space = pos_ < doc_.size() && is_xml_space(doc_[pos_]);
      skip_space();
      if (pos_ >= doc_.size()) return fail("unterminated start tag", tag.offset);
      if (doc_[pos_] == '>' || starts("/>")) break;
      if (!space) return fail("attributes must be separated by whitespace", pos_);
      const std::size_t at = pos_;
      std::string_view attr;
      std::string value;
      if (!attribute(attr, value)) return false;
      if (std::find(seen.begin(), seen.end(), attr) != seen.end()) return fail("repeated attribute", at);
      if (seen.size() >= limits_.max_attributes) return fail("too many attributes", at);
      seen.push_back(attr);
      if (attr == "xmlns") {
        bindings_.push_back(Binding{"", std::move(value), depth_});
      } else if (attr.starts_with("xmlns:")) {
        if (value.empty()) return fail("empty namespace name for a prefix", at);
        bindings_.push_back(Binding{std::string(attr.substr(6)), std::move(value), depth_});
      }
    }
    tag.empty = doc_[pos_] == '/';
    pos_ += tag.empty ? 2 : 1;
    const std::size_t colon = tag.qname.find(':');
    tag.prefix = colon == std::string_view::npos ? std::string_view{} : tag.qname.substr(0, colon);
    tag.local = colon == std::string_view::npos ? tag.qname : tag.qname.substr(colon + 1);
    tag.ns = lookup(tag.prefix);
    if (!tag.prefix.empty() && tag.ns.empty()) return fail("undeclared namespace prefix", tag.offset);
    if (tag.empty) leave();
    return true;
  }

  void leave() {
    while (!bindings_.empty() && bindings_.back().depth >= depth_) bindings_.pop_back();
    --depth_;
  }

  // ETag = '</' Name S? '>' matching `tag`.
  bool end_tag(const Tag& tag) {
    const std::size_t start = pos_;
    pos_ += 2;
    std::string_view closing;
    if (!name(closing)) return false;
    skip_space();
    if (pos_ >= doc_.size() || doc_[pos_] != '>') return fail("malformed end tag", start);
    ++pos_;
    if (closing != tag.qname) return fail("end tag does not match its start tag", start);
    leave();
    return true;
  }

  // Character data, references, CDATA sections and comments up to the next
  // tag; `text` gets the characters. Stops at '<' of a tag or end tag.
  bool content(std::string& text) {
    while (pos_ < doc_.size()) {
      const char c = doc_[pos_];
      if (c == '&') {
        if (!reference(text)) return false;
      } else if (starts("<![CDATA[")) {
        const std::size_t end = doc_.find("]]>", pos_ + 9);
        if (end == std::string_view::npos) return fail("unterminated CDATA section", pos_);
        if (!chars(doc_.substr(pos_ + 9, end - pos_ - 9), pos_ + 9, text)) return false;
        pos_ = end + 3;
      } else if (starts("<!--")) {
        if (!comment()) return false;
      } else if (starts("<?") || starts("<!")) {
        return fail("processing instruction or declaration in content", pos_);
      } else if (c == '<') {
        return true;
      } else {
        const std::size_t run = pos_;
        while (pos_ < doc_.size() && doc_[pos_] != '<' && doc_[pos_] != '&') ++pos_;
        const std::string_view raw = doc_.substr(run, pos_ - run);
        if (raw.find("]]>") != std::string_view::npos) return fail("']]>' in character data", run + raw.find("]]>"));
        if (!chars(raw, run, text)) return false;
      }
    }
    return fail("document ends inside an element", pos_);
  }

  // An element of another namespace, skipped whole (its well-formedness checked).
  bool skip_element(const Tag& tag) {
    if (tag.empty) return true;
    while (true) {
      std::string ignored;
      if (!content(ignored)) return false;
      if (starts("</")) return end_tag(tag);
      Tag child;
      if (!start_tag(child)) return false;
      if (!skip_element(child)) return false;
    }
  }

  // A simple-content child: text only, no child elements.
  bool simple(const Tag& tag, std::string& text) {
    if (tag.empty) return true;
    if (!content(text)) return false;
    if (!starts("</")) return fail("element inside a simple-content element", pos_);
    return end_tag(tag);
  }

  bool root() {
    if (pos_ >= doc_.size() || doc_[pos_] != '<') return fail("expected the isComposing element", pos_);
    Tag tag;
    if (!start_tag(tag)) return false;
    if (tag.local != "isComposing" || tag.ns != is_composing_namespace)
      return fail("root is not isComposing in urn:ietf:params:xml:ns:im-iscomposing", tag.offset);
    if (tag.empty) return fail("isComposing without state", tag.offset);
    std::array<bool, 4> seen{};
    int last = -1;
    bool foreign = false;
    while (true) {
      std::string text;
      const std::size_t text_at = pos_;
      if (!content(text)) return false;
      if (!trim(text).empty()) return fail("text inside isComposing", text_at);
      if (starts("</")) {
        if (!end_tag(tag)) return false;
        break;
      }
      Tag child;
      if (!start_tag(child)) return false;
      if (child.ns.empty()) return fail("element in no namespace", child.offset);
      if (child.ns != is_composing_namespace) {
        foreign = true;
        if (!skip_element(child)) return false;
        continue;
      }
      const Child which = known_child(child.local);
      if (which == Child::none) return fail("unknown element in the isComposing namespace", child.offset);
      const auto index = static_cast<int>(which);
      if (seen[static_cast<std::size_t>(index)]) return fail("repeated element", child.offset);
      if (!options_.allow_any_order && (index < last || foreign))
        return fail("element out of the schema's order", child.offset);
      seen[static_cast<std::size_t>(index)] = true;
      last = std::max(last, index);
      std::string value;
      const std::size_t value_at = pos_;
      if (!simple(child, value)) return false;
      if (!assign(which, trim(value), value_at)) return false;
    }
    return seen[0] || fail("isComposing without state", tag.offset);
  }

  bool assign(Child which, std::string_view value, std::size_t at) {
    switch (which) {
      case Child::state:
        if (value == "active") out_.state = ComposingState::active;
        else if (value == "idle") out_.state = ComposingState::idle;
        else return fail("state is neither active nor idle", at);
        return true;
      case Child::lastactive:
        if (!is_rfc3339_date_time(value)) return fail("lastactive is not a date-time", at);
        out_.lastactive = value;
        return true;
      case Child::contenttype:
        out_.contenttype = value;
        return true;
      case Child::refresh: {
        // xs:positiveInteger, bounded to 32 bits.
        std::uint64_t v = 0;
        if (value.empty() || value.size() > 10) return fail("refresh is not a positive integer", at);
        for (char c : value) {
          if (c < '0' || c > '9') return fail("refresh is not a positive integer", at);
          v = v * 10 + static_cast<std::uint64_t>(c - '0');
        }
        if (v == 0 || v > 0xffffffffu) return fail("refresh out of range", at);
        out_.refresh = static_cast<std::uint32_t>(v);
        return true;
      }
      case Child::none: break;
    }
    return fail("unknown element", at);
  }

  std::string_view doc_;
  IsComposing& out_;
  const IsComposingOptions& options_;
  const IsComposingLimits& limits_;
  IsComposingError err_;
  std::size_t pos_ = 0;
  std::size_t depth_ = 0;
  std::size_t elements_ = 0;
  std::vector<Binding> bindings_;
};

void append_text(std::string& out, std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (u < 0x20) out += "&#" + std::to_string(u) + ";";  // kept as written, not line-end normalized
    else out += c;
  }
}

}  // namespace

std::string IsComposingError::message() const {
  std::string text = what == nullptr ? "ok" : what;
  text += " at byte ";
  text += std::to_string(offset);
  return text;
}

IsComposingError parse_is_composing(std::string_view document, IsComposing& out, const IsComposingOptions& options,
                                    const IsComposingLimits& limits) {
  return Reader(document, out, options, limits).run();
}

std::string serialize_is_composing(const IsComposing& doc) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<isComposing xmlns=\"";
  out += is_composing_namespace;
  out += "\">\n  <state>";
  out += doc.state == ComposingState::active ? "active" : "idle";
  out += "</state>\n";
  if (!doc.lastactive.empty()) {
    out += "  <lastactive>";
    append_text(out, doc.lastactive);
    out += "</lastactive>\n";
  }
  if (!doc.contenttype.empty()) {
    out += "  <contenttype>";
    append_text(out, doc.contenttype);
    out += "</contenttype>\n";
  }
  if (doc.refresh) {
    out += "  <refresh>";
    out += std::to_string(*doc.refresh);
    out += "</refresh>\n";
  }
  out += "</isComposing>\n";
  return out;
}

Composer::Action Composer::on_typing(ComposingTime now) {
  idle_at_ = now + config_.idle_timeout;
  if (state_ == ComposingState::active) return Action::none;
  state_ = ComposingState::active;
  refresh_at_ = now + config_.refresh;
  return Action::send_active;
}

void Composer::on_message_sent() { state_ = ComposingState::idle; }

Composer::Action Composer::on_timeout(ComposingTime now) {
  if (state_ == ComposingState::idle) return Action::none;
  if (now >= idle_at_) {
    state_ = ComposingState::idle;
    return Action::send_idle;
  }
  if (now >= refresh_at_) {
    refresh_at_ = now + config_.refresh;
    return Action::send_active;
  }
  return Action::none;
}

std::optional<ComposingTime> Composer::next_timeout() const {
  if (state_ == ComposingState::idle) return std::nullopt;
  return std::min(idle_at_, refresh_at_);
}

IsComposing Composer::status() const {
  IsComposing doc;
  doc.state = state_;
  if (state_ == ComposingState::active) doc.refresh = static_cast<std::uint32_t>(config_.refresh.count());
  return doc;
}

bool ComposingReceiver::on_status(const IsComposing& doc, ComposingTime now) {
  const ComposingState before = state_;
  state_ = doc.state;
  if (state_ == ComposingState::active)
    expires_at_ = now + (doc.refresh ? std::chrono::seconds(*doc.refresh) : config_.default_refresh);
  return state_ != before;
}

bool ComposingReceiver::on_message() {
  const bool changed = state_ == ComposingState::active;
  state_ = ComposingState::idle;
  return changed;
}

bool ComposingReceiver::on_timeout(ComposingTime now) {
  if (state_ != ComposingState::active || now < expires_at_) return false;
  state_ = ComposingState::idle;
  return true;
}

std::optional<ComposingTime> ComposingReceiver::next_timeout() const {
  if (state_ != ComposingState::active) return std::nullopt;
  return expires_at_;
}

}  // namespace cosip::msrp
