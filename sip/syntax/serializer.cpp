#include "sip/syntax/serializer.hpp"

#include <type_traits>

#include "sip/syntax/detail/header_dispatch.hpp"
#include "sip/syntax/detail/scanner.hpp"

namespace cosip::sip {
namespace {

using namespace detail;

template <class List>
void append_list(std::string& out, const List& list) {
  bool first = true;
  for (const auto& item : list) {
    if (!first) out += ", ";
    first = false;
    if constexpr (std::is_same_v<std::decay_t<decltype(item)>, std::string_view>)
      out += item;
    else
      append(out, item);
  }
}

struct ValueWriter {
  std::string& out;

  void operator()(const RawText& v) const { append_unfolded(out, v.text); }
  void operator()(std::uint32_t v) const { out += std::to_string(v); }
  void operator()(const ContactList& v) const {
    if (v.star)
      out += '*';
    else
      append_list(out, v.entries);
  }
  template <class T>
  void operator()(const T& v) const {
    if constexpr (requires { v.begin(); })
      append_list(out, v);
    else
      append(out, v);
  }
};

}  // namespace

void append_header_value(std::string& out, const Header& header, const ValueLimits& limits) {
  // A value that does not decode (only possible for hand-built messages) is
  // written as received, folds joined.
  if (!visit_header_value(header, limits, ValueWriter{out})) append_unfolded(out, header.value);
}

void serialize(const Message& msg, std::string& out) {
  if (msg.is_request) {
    out += msg.method;
    out += ' ';
    append_uri(out, msg.request_uri);
    out += " SIP/2.0\r\n";
  } else {
    out += "SIP/2.0 ";
    out += std::to_string(msg.status_code);
    out += ' ';
    out += msg.reason_phrase;
    out += "\r\n";
  }
  bool wrote_length = false;
  for (const Header& h : msg.headers) {
    out += h.id == HeaderId::other ? h.name : canonical_name(h.id);
    out += ": ";
    if (h.id == HeaderId::content_length) {
      // The length of the body actually carried (§18.3: bytes after it were dropped).
      out += std::to_string(msg.body.size());
      wrote_length = true;
    } else {
      append_header_value(out, h);
    }
    out += "\r\n";
  }
  if (!wrote_length) {
    out += "Content-Length: ";
    out += std::to_string(msg.body.size());
    out += "\r\n";
  }
  out += "\r\n";
  out += msg.body;
}

std::string serialize(const Message& msg) {
  std::string out;
  out.reserve(msg.raw.size() + 64);
  serialize(msg, out);
  return out;
}

}  // namespace cosip::sip
