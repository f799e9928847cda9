// The SDP parser (RFC 8866 §5, §9): one pass over the lines, checking their
// order, decoding the structured ones and keeping every attribute in order.
#include <array>

#include "sdp/detail/text.hpp"
#include "sdp/session_description.hpp"

namespace cosip::sdp {
namespace {

using namespace detail;

// Order of the lines (§5): session level v o s i u e p c b t r z k a, media
// level m i c b k a. A line may not follow one of a higher rank; t= and r=
// share a rank so that time descriptions can repeat.
int session_rank(char type) {
  switch (type) {
    case 'v': return 0;
    case 'o': return 1;
    case 's': return 2;
    case 'i': return 3;
    case 'u': return 4;
    case 'e': return 5;
    case 'p': return 6;
    case 'c': return 7;
    case 'b': return 8;
    case 't': case 'r': return 9;
    case 'z': return 10;
    case 'k': return 11;
    case 'a': return 12;
    default: return -1;
  }
}

int media_rank(char type) {
  switch (type) {
    case 'm': return 0;
    case 'i': return 1;
    case 'c': return 2;
    case 'b': return 3;
    case 'k': return 4;
    case 'a': return 5;
    default: return -1;
  }
}

bool is_known_type(char type) { return type == 'm' || session_rank(type) >= 0; }
// Lines that may repeat: e p b t r a at session level; c b a in a media
// section (several c= for layered multicast, §5.7).
bool repeats_in_session(char type) { return type == 'e' || type == 'p' || type == 'b' || type == 't' || type == 'r' || type == 'a'; }
bool repeats_in_media(char type) { return type == 'c' || type == 'b' || type == 'a'; }

// typed-time = 1*DIGIT [fixed-len-time-unit] (§9)
bool is_typed_time(std::string_view s, bool allow_sign) {
  if (allow_sign && !s.empty() && s.front() == '-') s.remove_prefix(1);
  if (!s.empty() && (s.back() == 'd' || s.back() == 'h' || s.back() == 'm' || s.back() == 's')) s.remove_suffix(1);
  return all_digits(s);
}

class Parser {
 public:
  Parser(std::string_view text, SessionDescription& out, const ParseOptions& options, const Limits& limits)
      : text_(text), out_(out), options_(options), limits_(limits) {}

  ParseError run() {
    out_ = SessionDescription{};
    out_.times.clear();
    if (text_.size() > limits_.max_size) return error(ParseErrc::too_large, limits_.max_size, "");
    std::size_t pos = 0;
    std::size_t lines = 0;
    while (pos < text_.size()) {
      std::string_view line;
      const std::size_t start = pos;
      if (!next_line(pos, line)) return err_;
      if (line.empty()) {
        // Blank lines: only trailing ones, and only when trailing whitespace is tolerated.
        if (options_.allow_trailing_whitespace && only_blank_lines_from(start)) break;
        return error(ParseErrc::bad_line, start, "empty line");
      }
      if (++lines > limits_.max_lines) return error(ParseErrc::too_many_lines, start, "");
      if (!one_line(start, line)) return err_;
    }
    if (!finish()) return err_;
    return {};
  }

 private:
  ParseError error(ParseErrc code, std::size_t offset, const char* detail) {
    if (!err_) err_ = ParseError{code, static_cast<std::uint32_t>(offset), detail};
    return err_;
  }
  bool fail(ParseErrc code, std::size_t offset, const char* detail) {
    error(code, offset, detail);
    return false;
  }
  bool fail_at(ParseErrc code, std::string_view at, const char* detail) {
    return fail(code, static_cast<std::size_t>(at.data() - text_.data()), detail);
  }

  // One line without its end; CRLF ends lines (§5), LF alone only if allowed.
  bool next_line(std::size_t& pos, std::string_view& line) {
    const std::size_t nl = text_.find('\n', pos);
    if (nl == std::string_view::npos) {
      if (!options_.allow_unterminated_last_line) return fail(ParseErrc::bad_line_ending, text_.size(), "last line has no CRLF");
      line = text_.substr(pos);
      pos = text_.size();
    } else if (nl > pos && text_[nl - 1] == '\r') {
      line = text_.substr(pos, nl - 1 - pos);
      pos = nl + 1;
    } else if (options_.allow_lf) {
      line = text_.substr(pos, nl - pos);
      pos = nl + 1;
    } else {
      return fail(ParseErrc::bad_line_ending, nl, "LF without CR");
    }
    if (line.size() > limits_.max_line_length)
      return fail_at(ParseErrc::line_too_long, line, "");
    for (std::size_t i = 0; i < line.size(); ++i)
      if (line[i] == '\r' || line[i] == '\0')
        return fail_at(ParseErrc::bad_line_ending, line.substr(i), line[i] == '\r' ? "CR inside a line" : "NUL byte");
    if (options_.allow_trailing_whitespace)
      while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    return true;
  }

  bool only_blank_lines_from(std::size_t pos) const {
    for (std::size_t i = pos; i < text_.size(); ++i)
      if (text_[i] != '\r' && text_[i] != '\n' && text_[i] != ' ' && text_[i] != '\t') return false;
    return true;
  }

  bool one_line(std::size_t start, std::string_view line) {
    if (line.size() < 2 || line[1] != '=' || !is_alpha(line[0]))
      return fail(ParseErrc::bad_line, start, "not <type>=<value>");
    const char type = line[0];
    const std::string_view value = line.substr(2);
    // §5: a description with a type letter the parser does not know is ignored whole.
    if (!is_known_type(type)) return fail(ParseErrc::unknown_type, start, "");
    if (lines_seen_ == 0 && type != 'v') return fail(ParseErrc::missing_line, start, "v= must be the first line");
    ++lines_seen_;
    if (type == 'm') return media_line(start, value);
    return in_media_ ? media_level(start, type, value) : session_level(start, type, value);
  }

  bool check_order(std::size_t start, int rank, char type, std::array<std::uint8_t, 26>& counts, bool repeatable) {
    if (rank < rank_) return fail(ParseErrc::out_of_order, start, "");
    rank_ = rank;
    std::uint8_t& n = counts[static_cast<std::size_t>(type - 'a')];
    if (n != 0 && !repeatable) return fail(ParseErrc::duplicate_line, start, "");
    if (n < 255) ++n;
    return true;
  }

  bool session_level(std::size_t start, char type, std::string_view value) {
    if (!check_order(start, session_rank(type), type, session_counts_, repeats_in_session(type))) return false;
    switch (type) {
      case 'v':
        if (value != "0") return fail_at(ParseErrc::bad_version, value, "only version 0 exists");
        out_.version = 0;
        return true;
      case 'o': return origin(value);
      case 's':
        if (value.empty()) {
          if (!options_.allow_missing_session_name) return fail_at(ParseErrc::bad_session_name, value, "empty");
          out_.session_name = "-";
        } else {
          out_.session_name = value;
        }
        return true;
      case 'i': return text_field(value, out_.information);
      case 'u': return text_field(value, out_.uri);
      case 'e': return text_list(value, out_.emails);
      case 'p': return text_list(value, out_.phones);
      case 'c': return connection(value, out_.connection.emplace());
      case 'b': return bandwidth(value, out_.bandwidths.emplace_back());
      case 't': return timing(value);
      case 'r':
        if (out_.times.empty()) return fail(ParseErrc::out_of_order, start, "r= without t=");
        return repeat(value);
      case 'z': return zone(value);
      case 'k': return key(value, out_.key);
      case 'a': return attribute(value, out_.attributes);
      default: return fail(ParseErrc::unknown_type, start, "");
    }
  }

  bool media_level(std::size_t start, char type, std::string_view value) {
    if (!check_order(start, media_rank(type), type, media_counts_, repeats_in_media(type))) return false;
    MediaDescription& md = out_.media.back();
    switch (type) {
      case 'i': return text_field(value, md.title);
      case 'c': return connection(value, md.connections.emplace_back());
      case 'b': return bandwidth(value, md.bandwidths.emplace_back());
      case 'k': return key(value, md.key);
      case 'a': return attribute(value, md.attributes);
      default: return fail(ParseErrc::out_of_order, start, "not allowed in a media section");
    }
  }

  bool text_field(std::string_view value, std::optional<std::string>& out) {
    if (value.empty()) return fail_at(ParseErrc::bad_line, value, "empty value");
    out = value;
    return true;
  }
  bool text_list(std::string_view value, std::vector<std::string>& out) {
    if (value.empty()) return fail_at(ParseErrc::bad_line, value, "empty value");
    out.emplace_back(value);
    return true;
  }

  // o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address> (§5.2)
  bool origin(std::string_view value) {
    Fields f(value, ' ');
    std::array<std::string_view, 6> v{};
    for (auto& field : v)
      if (!f.next(field)) return fail_at(ParseErrc::bad_origin, value, "six fields expected");
    if (!f.done()) return fail_at(ParseErrc::bad_origin, f.rest(), "more than six fields");
    Origin& o = out_.origin;
    if (!is_non_ws_string(v[0])) return fail_at(ParseErrc::bad_origin, v[0], "bad username");
    if (!all_digits(v[1])) return fail_at(ParseErrc::bad_origin, v[1], "bad session id");
    if (!parse_uint(v[2], o.session_version)) return fail_at(ParseErrc::bad_origin, v[2], "bad session version");
    if (!is_token(v[3])) return fail_at(ParseErrc::bad_origin, v[3], "bad network type");
    if (!is_token(v[4])) return fail_at(ParseErrc::bad_origin, v[4], "bad address type");
    if (!is_non_ws_string(v[5])) return fail_at(ParseErrc::bad_origin, v[5], "bad address");
    o.username = v[0];
    o.session_id = v[1];
    o.net_type = v[3];
    o.addr_type = v[4];
    o.address = v[5];
    return true;
  }

  // c=<nettype> <addrtype> <connection-address> (§5.7); a multicast address
  // carries "/ttl[/count]" (IP4) or "/count" (IP6).
  bool connection(std::string_view value, Connection& c) {
    Fields f(value, ' ');
    std::string_view net, addr_type, addr;
    if (!f.next(net) || !f.next(addr_type) || !f.next(addr) || !f.done())
      return fail_at(ParseErrc::bad_connection, value, "three fields expected");
    if (!is_token(net)) return fail_at(ParseErrc::bad_connection, net, "bad network type");
    if (!is_token(addr_type)) return fail_at(ParseErrc::bad_connection, addr_type, "bad address type");
    if (!is_non_ws_string(addr)) return fail_at(ParseErrc::bad_connection, addr, "bad address");
    const std::size_t slash = addr.find('/');
    std::string_view host = addr.substr(0, slash);
    std::string_view suffix = slash == std::string_view::npos ? std::string_view{} : addr.substr(slash);
    if (host.empty()) return fail_at(ParseErrc::bad_connection, addr, "empty address");
    if (!suffix.empty()) {
      Fields parts(suffix.substr(1), '/');
      std::string_view part;
      int count = 0;
      while (parts.next(part))
        if (!all_digits(part) || ++count > 2) return fail_at(ParseErrc::bad_connection, suffix, "bad multicast suffix");
    }
    c.net_type = net;
    c.addr_type = addr_type;
    c.address = host;
    c.multicast_suffix = suffix;
    return true;
  }

  // b=<bwtype>:<bandwidth> (§5.8)
  bool bandwidth(std::string_view value, Bandwidth& b) {
    const std::size_t colon = value.find(':');
    if (colon == std::string_view::npos) return fail_at(ParseErrc::bad_bandwidth, value, "no ':'");
    const std::string_view type = value.substr(0, colon);
    if (!is_token(type)) return fail_at(ParseErrc::bad_bandwidth, value, "bad type");
    if (!parse_uint(value.substr(colon + 1), b.value)) return fail_at(ParseErrc::bad_bandwidth, value.substr(colon + 1), "bad value");
    b.type = type;
    return true;
  }

  // t=<start-time> <stop-time> (§5.9)
  bool timing(std::string_view value) {
    Fields f(value, ' ');
    std::string_view start, stop;
    Timing t;
    if (!f.next(start) || !f.next(stop) || !f.done()) return fail_at(ParseErrc::bad_timing, value, "two fields expected");
    if (!parse_uint(start, t.start)) return fail_at(ParseErrc::bad_timing, start, "bad start time");
    if (!parse_uint(stop, t.stop)) return fail_at(ParseErrc::bad_timing, stop, "bad stop time");
    out_.times.push_back(std::move(t));
    return true;
  }

  // r=<repeat interval> <active duration> <offsets from start-time> (§5.10)
  bool repeat(std::string_view value) {
    Fields f(value, ' ');
    std::string_view field;
    int n = 0;
    while (f.next(field)) {
      if (!is_typed_time(field, false)) return fail_at(ParseErrc::bad_repeat, field, "bad time");
      ++n;
    }
    if (n < 3) return fail_at(ParseErrc::bad_repeat, value, "three or more fields expected");
    out_.times.back().repeats.emplace_back(value);
    return true;
  }

  // z=<adjustment time> <offset> ... (§5.11)
  bool zone(std::string_view value) {
    Fields f(value, ' ');
    std::string_view time, offset;
    while (f.next(time)) {
      if (!all_digits(time)) return fail_at(ParseErrc::bad_zone, time, "bad adjustment time");
      if (!f.next(offset) || !is_typed_time(offset, true)) return fail_at(ParseErrc::bad_zone, value, "bad offset");
    }
    out_.zone_adjustments = value;
    return true;
  }

  // k=<method>[:<encryption key>] (§5.12, obsolete: kept, not used)
  bool key(std::string_view value, std::optional<std::string>& out) {
    const std::string_view method = value.substr(0, value.find(':'));
    if (method != "clear" && method != "base64" && method != "uri" && method != "prompt")
      return fail_at(ParseErrc::bad_key, value, "unknown method");
    out = value;
    return true;
  }

  // a=<attribute-name>[:<attribute-value>] (§5.13, §6); the value is a
  // byte-string, which is never empty.
  bool attribute(std::string_view value, AttributeList& list) {
    if (++attributes_ > limits_.max_attributes) return fail_at(ParseErrc::too_many_attributes, value, "");
    const std::size_t colon = value.find(':');
    const std::string_view name = value.substr(0, colon);
    if (!is_token(name)) return fail_at(ParseErrc::bad_attribute, value, "bad attribute name");
    if (colon == std::string_view::npos) {
      list.emplace_back(std::string(name));
      return true;
    }
    const std::string_view attr_value = value.substr(colon + 1);
    if (attr_value.empty()) return fail_at(ParseErrc::bad_attribute, attr_value, "empty value after ':'");
    list.emplace_back(std::string(name), std::string(attr_value));
    return true;
  }

  // m=<media> <port>[/<number of ports>] <proto> <fmt> ... (§5.14)
  bool media_line(std::size_t start, std::string_view value) {
    if (!in_media_ && !finish_session(start)) return false;
    if (out_.media.size() >= limits_.max_media) return fail(ParseErrc::too_many_media, start, "");
    in_media_ = true;
    rank_ = 0;
    media_counts_ = {};
    media_counts_['m' - 'a'] = 1;
    MediaDescription& md = out_.media.emplace_back();
    Fields f(value, ' ');
    std::string_view media, port, proto, fmt;
    if (!f.next(media) || !f.next(port) || !f.next(proto)) return fail_at(ParseErrc::bad_media, value, "too few fields");
    if (!is_token(media)) return fail_at(ParseErrc::bad_media, media, "bad media type");
    const std::size_t slash = port.find('/');
    if (!parse_uint_as(port.substr(0, slash), md.port)) return fail_at(ParseErrc::bad_media, port, "bad port");
    if (slash != std::string_view::npos) {
      std::uint32_t count = 0;
      if (!parse_uint_as(port.substr(slash + 1), count) || count == 0)
        return fail_at(ParseErrc::bad_media, port.substr(slash + 1), "bad number of ports");
      md.port_count = count;
    }
    // proto = token *("/" token)
    Fields parts(proto, '/');
    std::string_view part;
    while (parts.next(part))
      if (!is_token(part)) return fail_at(ParseErrc::bad_media, proto, "bad transport protocol");
    while (f.next(fmt)) {
      if (!is_token(fmt)) return fail_at(ParseErrc::bad_media, fmt, "bad format");
      if (md.formats.size() >= limits_.max_formats) return fail_at(ParseErrc::too_many_formats, fmt, "");
      md.formats.emplace_back(fmt);
    }
    if (md.formats.empty()) return fail_at(ParseErrc::bad_media, value, "no format");
    md.media = media;
    md.proto = proto;
    media_offsets_.push_back(start);
    return true;
  }

  // v=, o=, s= and t= are mandatory (§5).
  bool finish_session(std::size_t at) {
    if (session_counts_['o' - 'a'] == 0) return fail(ParseErrc::missing_line, at, "no o= line");
    if (session_counts_['s' - 'a'] == 0) {
      if (!options_.allow_missing_session_name) return fail(ParseErrc::missing_line, at, "no s= line");
      out_.session_name = "-";
    }
    if (out_.times.empty()) {
      if (!options_.allow_missing_timing) return fail(ParseErrc::missing_line, at, "no t= line");
      out_.times.emplace_back();
    }
    return true;
  }

  bool finish() {
    if (lines_seen_ == 0) return fail(ParseErrc::missing_line, 0, "empty description");
    if (!in_media_ && !finish_session(text_.size())) return false;
    // §5.7: a c= at session level, or one in every media section.
    if (!out_.connection && !options_.allow_missing_connection)
      for (std::size_t i = 0; i < out_.media.size(); ++i)
        if (out_.media[i].connections.empty())
          return fail(ParseErrc::missing_line, media_offsets_[i], "no c= line for this media");
    return true;
  }

  std::string_view text_;
  SessionDescription& out_;
  const ParseOptions& options_;
  const Limits& limits_;
  ParseError err_;
  std::size_t lines_seen_ = 0;
  std::size_t attributes_ = 0;
  int rank_ = 0;
  bool in_media_ = false;
  std::array<std::uint8_t, 26> session_counts_{};
  std::array<std::uint8_t, 26> media_counts_{};
  std::vector<std::size_t> media_offsets_;
};

}  // namespace

ParseError parse(std::string_view text, SessionDescription& out, const ParseOptions& options, const Limits& limits) {
  return Parser(text, out, options, limits).run();
}

}  // namespace cosip::sdp
