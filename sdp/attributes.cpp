// Typed decoders and encoders of the SDP attributes cosip uses; each cites
// the grammar it follows. Decoders return views into the value.
#include "sdp/attributes.hpp"

#include "sdp/detail/text.hpp"

namespace cosip::sdp {
namespace {

using namespace detail;

AttrError fault(std::string_view value, std::string_view at, const char* what) {
  const auto offset = at.data() >= value.data() && at.data() <= value.data() + value.size()
                          ? static_cast<std::size_t>(at.data() - value.data())
                          : 0;
  return AttrError{what, offset};
}

// ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 §5.1)
bool is_ice_chars(std::string_view s) {
  for (char c : s)
    if (!is_alnum(c) && c != '+' && c != '/') return false;
  return !s.empty();
}

bool is_base64(std::string_view s) {
  for (char c : s)
    if (!is_alnum(c) && c != '+' && c != '/' && c != '=') return false;
  return !s.empty();
}

// type "/" subtype, either may be "*"; parameters after ';' are kept unchecked.
bool is_media_type(std::string_view s) {
  if (s == "*") return true;
  s = s.substr(0, s.find(';'));
  const std::size_t slash = s.find('/');
  if (slash == std::string_view::npos) return false;
  return is_token(s.substr(0, slash)) && is_token(s.substr(slash + 1));
}

bool is_hex_pairs(std::string_view s) {
  Fields f(s, ':');
  std::string_view pair;
  while (f.next(pair))
    if (pair.size() != 2 || !is_hex(pair[0]) || !is_hex(pair[1]))
      return false;
  return true;
}

}  // namespace

// rtpmap-value = payload-type SP encoding-name "/" clock-rate ["/" encoding-params] (RFC 8866 §6.6)
AttrError decode_rtpmap(std::string_view value, Rtpmap& out) {
  const std::size_t sp = value.find(' ');
  if (sp == std::string_view::npos) return fault(value, value, "no space after the payload type");
  if (!parse_uint_as(value.substr(0, sp), out.payload_type) || out.payload_type > 127)
    return fault(value, value, "bad payload type");
  Fields f(value.substr(sp + 1), '/');
  std::string_view encoding, rate, params;
  if (!f.next(encoding) || !is_token(encoding)) return fault(value, value.substr(sp + 1), "bad encoding name");
  if (!f.next(rate) || !parse_uint_as(rate, out.clock_rate) || out.clock_rate == 0)
    return fault(value, rate.empty() ? value.substr(value.size()) : rate, "bad clock rate");
  out.channels = 1;
  if (f.next(params) && (!parse_uint_as(params, out.channels) || out.channels == 0))
    return fault(value, params, "bad encoding parameters");
  if (!f.done()) return fault(value, f.rest(), "trailing fields");
  out.encoding = encoding;
  return {};
}

std::string encode(const Rtpmap& r) {
  std::string v = std::to_string(r.payload_type) + ' ';
  v += r.encoding;
  v += '/' + std::to_string(r.clock_rate);
  if (r.channels != 1) v += '/' + std::to_string(r.channels);
  return v;
}

// fmtp-value = fmt SP format-specific-params (RFC 8866 §6.15)
AttrError decode_fmtp(std::string_view value, Fmtp& out) {
  const std::size_t sp = value.find(' ');
  if (sp == std::string_view::npos || sp + 1 == value.size()) return fault(value, value, "no parameters");
  if (!is_token(value.substr(0, sp))) return fault(value, value, "bad format");
  out.format = value.substr(0, sp);
  out.parameters = value.substr(sp + 1);
  return {};
}

std::optional<std::string_view> fmtp_parameter(std::string_view parameters, std::string_view name) {
  Fields f(parameters, ';');
  std::string_view item;
  while (f.next(item)) {
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    const std::size_t eq = item.find('=');
    if (iequals(item.substr(0, eq), name))
      return eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
  }
  return std::nullopt;
}

AttrError decode_ptime(std::string_view value, std::uint32_t& milliseconds) {
  const std::size_t dot = value.find('.');
  if (!parse_uint_as(value.substr(0, dot), milliseconds)) return fault(value, value, "bad packet time");
  if (dot != std::string_view::npos && !all_digits(value.substr(dot + 1)))
    return fault(value, value.substr(dot), "bad fraction");
  return {};
}

// rtcp-attribute = "a=rtcp:" port [nettype space addrtype space connection-address] (RFC 3605 §2.1)
AttrError decode_rtcp(std::string_view value, Rtcp& out) {
  Fields f(value, ' ');
  std::string_view port;
  f.next(port);
  if (!parse_uint_as(port, out.port)) return fault(value, value, "bad port");
  out = Rtcp{out.port, {}, {}, {}};
  if (f.done()) return {};
  if (!f.next(out.net_type) || !f.next(out.addr_type) || !f.next(out.address) || !f.done() || !is_token(out.net_type) ||
      !is_token(out.addr_type) || !is_non_ws_string(out.address))
    return fault(value, port.substr(port.size()), "bad address");
  return {};
}

AttrError decode_setup(std::string_view value, Setup& out) {
  if (value == "active") out = Setup::active;
  else if (value == "passive") out = Setup::passive;
  else if (value == "actpass") out = Setup::actpass;
  else if (value == "holdconn") out = Setup::holdconn;
  else return fault(value, value, "unknown setup role");
  return {};
}

std::string_view to_string(Setup s) {
  switch (s) {
    case Setup::active: return "active";
    case Setup::passive: return "passive";
    case Setup::actpass: return "actpass";
    case Setup::holdconn: return "holdconn";
  }
  return "actpass";
}

AttrError decode_connection_mode(std::string_view value, ConnectionMode& out) {
  if (value == "new") out = ConnectionMode::fresh;
  else if (value == "existing") out = ConnectionMode::existing;
  else return fault(value, value, "unknown connection value");
  return {};
}

std::size_t srtp_key_salt_bytes(std::string_view suite) {
  // RFC 4568 §6.2: a 128-bit key and a 112-bit salt; RFC 7714 §14.2: a
  // 128-bit key and a 96-bit salt.
  if (suite == "AES_CM_128_HMAC_SHA1_80" || suite == "AES_CM_128_HMAC_SHA1_32") return 30;
  if (suite == "AEAD_AES_128_GCM") return 28;
  return 0;
}

bool is_supported_suite(std::string_view suite) { return srtp_key_salt_bytes(suite) != 0; }

// crypto-attribute = "a=crypto:" tag 1*WSP crypto-suite 1*WSP key-params *(1*WSP session-param)
// key-params = key-param *(";" key-param); key-param = "inline:" key-salt ["|" lifetime] ["|" mki]
// (RFC 4568 §9.1)
AttrError decode_crypto(std::string_view value, Crypto& out) {
  out = Crypto{};
  Fields f(value, ' ');
  std::string_view tag, suite, keys, param;
  if (!f.next(tag) || tag.size() > 9 || !parse_uint_as(tag, out.tag)) return fault(value, value, "bad tag");
  if (!f.next(suite) || suite.empty()) return fault(value, value.substr(value.size()), "no crypto suite");
  for (char c : suite)
    if (!is_alnum(c) && c != '_') return fault(value, suite, "bad crypto suite");
  if (!f.next(keys) || keys.empty()) return fault(value, value.substr(value.size()), "no key parameters");
  Fields key_list(keys, ';');
  std::string_view key;
  while (key_list.next(key)) {
    if (!key.starts_with("inline:")) return fault(value, key, "key method is not inline");
    KeyParams k;
    Fields parts(key.substr(7), '|');
    std::string_view part;
    parts.next(k.key_salt);
    if (!is_base64(k.key_salt)) return fault(value, key, "bad key");
    // The decoded length the suite needs (base64: 3 bytes per 4 characters, less the padding).
    const std::size_t padding = k.key_salt.size() - k.key_salt.find_last_not_of('=') - 1;
    if (const std::size_t bytes = srtp_key_salt_bytes(suite);
        bytes != 0 && (k.key_salt.size() % 4 != 0 || k.key_salt.size() / 4 * 3 - padding != bytes))
      return fault(value, k.key_salt, bytes == 30 ? "key and salt not 30 bytes" : "key and salt not 28 bytes");
    while (parts.next(part)) {
      const std::size_t colon = part.find(':');
      if (colon != std::string_view::npos) {  // mki = mki-value ":" mki-length
        std::uint32_t mki = 0;
        std::uint8_t length = 0;
        if (k.mki || !parse_uint_as(part.substr(0, colon), mki) || part.size() - colon - 1 > 3 ||
            !parse_uint_as(part.substr(colon + 1), length) || length == 0 || length > 128)
          return fault(value, part, "bad MKI");
        k.mki = mki;
        k.mki_length = length;
      } else {  // lifetime = ["2^"] 1*(DIGIT)
        std::uint64_t lifetime = 0;
        if (k.lifetime || k.mki) return fault(value, part, "lifetime after MKI");
        if (part.starts_with("2^")) {
          std::uint8_t power = 0;
          if (!parse_uint_as(part.substr(2), power) || power > 63) return fault(value, part, "bad lifetime");
          lifetime = std::uint64_t{1} << power;
        } else if (!parse_uint(part, lifetime)) {
          return fault(value, part, "bad lifetime");
        }
        k.lifetime = lifetime;
      }
    }
    out.keys.push_back(k);
  }
  while (f.next(param)) {
    if (!is_non_ws_string(param)) return fault(value, param, "bad session parameter");
    out.session_params.push_back(param);
  }
  out.suite = suite;
  return {};
}

std::string encode(const Crypto& c) {
  std::string v = std::to_string(c.tag) + ' ';
  v += c.suite;
  v += ' ';
  for (std::size_t i = 0; i < c.keys.size(); ++i) {
    const KeyParams& k = c.keys[i];
    if (i > 0) v += ';';
    v += "inline:";
    v += k.key_salt;
    if (k.lifetime) v += '|' + std::to_string(*k.lifetime);
    if (k.mki) v += '|' + std::to_string(*k.mki) + ':' + std::to_string(k.mki_length);
  }
  for (std::string_view p : c.session_params) {
    v += ' ';
    v += p;
  }
  return v;
}

// ice-ufrag = 4*256ice-char; ice-pwd = 22*256ice-char (RFC 8839 §5.4)
AttrError decode_ice_ufrag(std::string_view value) {
  if (!is_ice_chars(value)) return fault(value, value, "bad ice-char");
  if (value.size() < 4 || value.size() > 256) return fault(value, value, "ufrag length not 4..256");
  return {};
}

AttrError decode_ice_pwd(std::string_view value) {
  if (!is_ice_chars(value)) return fault(value, value, "bad ice-char");
  if (value.size() < 22 || value.size() > 256) return fault(value, value, "password length not 22..256");
  return {};
}

AttrError decode_ice_options(std::string_view value, std::vector<std::string_view>& out) {
  out.clear();
  Fields f(value, ' ');
  std::string_view option;
  while (f.next(option)) {
    if (!is_ice_chars(option) && !is_token(option)) return fault(value, option, "bad option tag");
    out.push_back(option);
  }
  return {};
}

// candidate-attribute = "candidate" ":" foundation SP component-id SP transport SP priority SP
//   connection-address SP port SP cand-type [SP rel-addr] [SP rel-port] *(SP cand-extension)
// (RFC 8839 §5.1)
AttrError decode_candidate(std::string_view value, Candidate& out) {
  out = Candidate{};
  Fields f(value, ' ');
  std::string_view component, priority, port, typ;
  if (!f.next(out.foundation) || out.foundation.size() > 32 || !is_ice_chars(out.foundation))
    return fault(value, value, "bad foundation");
  if (!f.next(component) || component.size() > 3 || !parse_uint_as(component, out.component) || out.component == 0)
    return fault(value, component, "bad component id");
  if (!f.next(out.transport) || !is_token(out.transport)) return fault(value, out.transport, "bad transport");
  if (!f.next(priority) || priority.size() > 10 || !parse_uint_as(priority, out.priority))
    return fault(value, priority, "bad priority");
  if (!f.next(out.address) || !is_non_ws_string(out.address)) return fault(value, out.address, "bad address");
  if (!f.next(port) || !parse_uint_as(port, out.port)) return fault(value, port, "bad port");
  if (!f.next(typ) || typ != "typ" || !f.next(out.type) || !is_token(out.type))
    return fault(value, typ, "no candidate type");
  std::string_view name, ext;
  while (f.next(name)) {
    if (!f.next(ext) || !is_non_ws_string(name) || !is_non_ws_string(ext))
      return fault(value, name, "extension without a value");
    if (name == "raddr" && out.related_address.empty() && out.extensions.empty()) {
      out.related_address = ext;
    } else if (name == "rport" && !out.related_port && out.extensions.empty()) {
      std::uint16_t rport = 0;
      if (!parse_uint_as(ext, rport)) return fault(value, ext, "bad rport");
      out.related_port = rport;
    } else {
      out.extensions.emplace_back(name, ext);
    }
  }
  return {};
}

AttrError decode_remote_candidates(std::string_view value, std::vector<RemoteCandidate>& out) {
  out.clear();
  Fields f(value, ' ');
  std::string_view component, address, port;
  while (f.next(component)) {
    RemoteCandidate c;
    if (!parse_uint_as(component, c.component) || c.component == 0) return fault(value, component, "bad component id");
    if (!f.next(address) || !is_non_ws_string(address)) return fault(value, component, "no address");
    if (!f.next(port) || !parse_uint_as(port, c.port)) return fault(value, address, "bad port");
    c.address = address;
    out.push_back(c);
  }
  return {};
}

// MSRP-URI = msrp-scheme "://" authority ["/" session-id] ";" transport *( ";" URI-parameter)
// (RFC 4975 §9)
AttrError decode_path(std::string_view value, std::vector<std::string_view>& out) {
  out.clear();
  Fields f(value, ' ');
  std::string_view uri;
  while (f.next(uri)) {
    std::string_view rest = uri;
    if (rest.size() > 7 && iequals(rest.substr(0, 7), "msrp://")) rest.remove_prefix(7);
    else if (rest.size() > 8 && iequals(rest.substr(0, 8), "msrps://")) rest.remove_prefix(8);
    else return fault(value, uri, "not an msrp: or msrps: URI");
    const std::size_t end_of_authority = rest.find_first_of("/;");
    const std::size_t semicolon = rest.find(';');
    if (end_of_authority == 0 || end_of_authority == std::string_view::npos || !is_non_ws_string(rest))
      return fault(value, uri, "bad authority");
    if (semicolon == std::string_view::npos || !is_token(rest.substr(semicolon + 1, rest.find(';', semicolon + 1) - semicolon - 1)))
      return fault(value, uri, "no transport");
    out.push_back(uri);
  }
  return {};
}

AttrError decode_accept_types(std::string_view value, std::vector<std::string_view>& out) {
  out.clear();
  Fields f(value, ' ');
  std::string_view type;
  while (f.next(type)) {
    if (!is_media_type(type)) return fault(value, type, "bad media type");
    out.push_back(type);
  }
  return {};
}

AttrError decode_max_size(std::string_view value, std::uint64_t& out) {
  if (!parse_uint(value, out)) return fault(value, value, "bad size");
  return {};
}

// file-selector = selector *(SP selector); selector = "name:" DQUOTE filename DQUOTE /
//   "size:" integer / "type:" type "/" subtype *(";" ft-parameter) / "hash:" algorithm ":" hash-value
// (RFC 5547 §6)
AttrError decode_file_selector(std::string_view value, FileSelector& out) {
  out = FileSelector{};
  std::string_view rest = value;
  bool seen_name = false;
  while (!rest.empty()) {
    if (rest.starts_with("name:\"")) {
      const std::size_t close = rest.find('"', 6);
      // filename-string is a byte-string, one byte at least (RFC 5547 §6, RFC 4566 §9)
      if (close == std::string_view::npos || close == 6 || seen_name) return fault(value, rest, "bad name selector");
      out.name = rest.substr(6, close - 6);
      seen_name = true;
      rest.remove_prefix(close + 1);
    } else {
      const std::string_view item = rest.substr(0, rest.find(' '));
      if (item.starts_with("size:")) {
        std::uint64_t size = 0;
        if (out.size || !parse_uint(item.substr(5), size)) return fault(value, item, "bad size selector");
        out.size = size;
      } else if (item.starts_with("type:")) {
        if (!out.type.empty() || !is_media_type(item.substr(5)) || item.substr(5) == "*")
          return fault(value, item, "bad type selector");
        out.type = item.substr(5);
      } else if (item.starts_with("hash:")) {
        const std::string_view hash = item.substr(5);
        const std::size_t colon = hash.find(':');
        if (!out.hash.empty() || colon == std::string_view::npos || !is_token(hash.substr(0, colon)) ||
            !is_hex_pairs(hash.substr(colon + 1)))
          return fault(value, item, "bad hash selector");
        out.hash_algorithm = hash.substr(0, colon);
        out.hash = hash.substr(colon + 1);
      } else {
        return fault(value, item, "unknown selector");
      }
      rest.remove_prefix(item.size());
    }
    if (!rest.empty()) {
      if (rest.front() != ' ' || rest.size() == 1) return fault(value, rest, "selectors not separated by one space");
      rest.remove_prefix(1);
    }
  }
  if (!seen_name && out.type.empty() && !out.size && out.hash.empty()) return fault(value, value, "no selector");
  return {};
}

std::string encode(const FileSelector& f) {
  std::string v;
  auto add = [&v](std::string_view part) {
    if (!v.empty()) v += ' ';
    v += part;
  };
  if (!f.name.empty()) add("name:\"" + std::string(f.name) + '"');
  if (!f.type.empty()) add("type:" + std::string(f.type));
  if (f.size) add("size:" + std::to_string(*f.size));
  if (!f.hash.empty()) add("hash:" + std::string(f.hash_algorithm) + ':' + std::string(f.hash));
  return v;
}

AttrError decode_file_transfer_id(std::string_view value) {
  if (!is_non_ws_string(value)) return fault(value, value, "bad transfer id");
  return {};
}

AttrError decode_file_disposition(std::string_view value) {
  if (!is_token(value)) return fault(value, value, "bad disposition");
  return {};
}

// file-date = date-param *(SP date-param); date-param = ("creation:" / "modification:" /
//   "read:") DQUOTE date-time DQUOTE (RFC 5547 §6)
AttrError decode_file_date(std::string_view value, FileDate& out) {
  out = FileDate{};
  std::string_view rest = value;
  while (!rest.empty()) {
    const std::size_t colon = rest.find(":\"");
    if (colon == std::string_view::npos) return fault(value, rest, "bad date parameter");
    const std::string_view name = rest.substr(0, colon);
    const std::size_t close = rest.find('"', colon + 2);
    if (close == std::string_view::npos || close == colon + 2) return fault(value, rest, "unterminated date");
    const std::string_view date = rest.substr(colon + 2, close - colon - 2);
    std::string_view* slot = name == "creation" ? &out.creation
                             : name == "modification" ? &out.modification
                             : name == "read" ? &out.read
                                              : nullptr;
    if (slot == nullptr || !slot->empty()) return fault(value, rest, "unknown or repeated date parameter");
    *slot = date;
    rest.remove_prefix(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ' ' || rest.size() == 1) return fault(value, rest, "parameters not separated by one space");
      rest.remove_prefix(1);
    }
  }
  return {};
}

// file-range = start-offset "-" (stop-offset / "*"), offsets counted from 1 (RFC 5547 §6)
AttrError decode_file_range(std::string_view value, FileRange& out) {
  const std::size_t dash = value.find('-');
  if (dash == std::string_view::npos || !parse_uint(value.substr(0, dash), out.start) || out.start == 0)
    return fault(value, value, "bad start offset");
  const std::string_view stop = value.substr(dash + 1);
  out.stop.reset();
  if (stop == "*") return {};
  std::uint64_t end = 0;
  if (!parse_uint(stop, end) || end < out.start) return fault(value, stop, "bad stop offset");
  out.stop = end;
  return {};
}

}  // namespace cosip::sdp
