// SDP session descriptions (RFC 8866): the model, its parser and its
// canonical serializer.
//
// Flow: parse() walks the description line by line ("<type>=<value>", CRLF
// ends each line, §5), checks the order of the lines at session level
// (v o s i u e p c b t r z k a) and in each media section (m i c b k a),
// decodes the structured lines (o= c= b= t= r= m=) and keeps every attribute,
// known or not, in the order received. Attribute values are decoded only when
// asked, by the typed decoders of attributes.hpp. serialize() writes the
// canonical form: the same lines in RFC order with CRLF ends.
//
// The model owns its strings: a description outlives the SIP message that
// carried it (the negotiator keeps the last ones of each side), and the
// negotiator builds descriptions of its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sdp/error.hpp"

namespace cosip::sdp {

// What a peer can make the parser hold. Defaults suit a UA.
struct Limits {
  std::size_t max_size = 65535;        // the whole description
  std::size_t max_lines = 1024;
  std::size_t max_line_length = 4096;  // one line, type letter included
  std::size_t max_media = 32;          // m= sections
  std::size_t max_attributes = 512;    // a= lines, all levels together
  std::size_t max_formats = 64;        // formats of one m= line
};

// Strict by default; each leniency that real devices need is a named flag.
struct ParseOptions {
  bool allow_lf = false;                      // lines ended by LF alone (RFC 8866 §5 SHOULD-tolerate)
  bool allow_unterminated_last_line = false;  // no line end after the last line
  bool allow_trailing_whitespace = false;     // SP/HTAB before a line end (dropped)
  bool allow_missing_session_name = false;    // no s=, or an empty one: taken as "s=-"
  bool allow_missing_timing = false;          // no t=: taken as "t=0 0"
  bool allow_missing_connection = false;      // a media section without any c=

  // Every leniency at once: what a receiver facing odd devices wants.
  static ParseOptions lenient() {
    ParseOptions o;
    o.allow_lf = o.allow_unterminated_last_line = o.allow_trailing_whitespace = true;
    o.allow_missing_session_name = o.allow_missing_timing = o.allow_missing_connection = true;
    return o;
  }
};

enum class Direction : std::uint8_t { sendrecv, sendonly, recvonly, inactive };

std::string_view to_string(Direction d);

// a=<name>[:<value>] (§6). A property attribute has no value.
struct Attribute {
  std::string name;
  std::optional<std::string> value;

  Attribute() = default;
  explicit Attribute(std::string n) : name(std::move(n)) {}
  Attribute(std::string n, std::string v) : name(std::move(n)), value(std::move(v)) {}
  bool operator==(const Attribute&) const = default;
};

using AttributeList = std::vector<Attribute>;

// First attribute named `name` (case-sensitive, as RFC 8866 §6 names are), or null.
const Attribute* find_attribute(const AttributeList& list, std::string_view name);
// Values of every attribute named `name`, in order (a property counts as "").
std::vector<std::string_view> attribute_values(const AttributeList& list, std::string_view name);
bool has_attribute(const AttributeList& list, std::string_view name);
// The direction attribute in the list (RFC 3264 §5.1), if any.
std::optional<Direction> find_direction(const AttributeList& list);

// o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address> (§5.2)
struct Origin {
  std::string username = "-";
  std::string session_id = "0";  // 1*DIGIT, kept as text: it need not fit 64 bits
  std::uint64_t session_version = 0;
  std::string net_type = "IN";
  std::string addr_type = "IP4";
  std::string address;
  bool operator==(const Origin&) const = default;
};

// c=<nettype> <addrtype> <connection-address> (§5.7). `address` is the host;
// a multicast "/ttl[/count]" suffix is kept apart, verbatim.
struct Connection {
  std::string net_type = "IN";
  std::string addr_type = "IP4";
  std::string address;
  std::string multicast_suffix;  // "" or "/127" or "/127/3"
  bool operator==(const Connection&) const = default;
};

// b=<bwtype>:<bandwidth> (§5.8)
struct Bandwidth {
  std::string type;
  std::uint64_t value = 0;
  bool operator==(const Bandwidth&) const = default;
};

// t=<start-time> <stop-time> (§5.9) and its r= lines (§5.10), kept verbatim.
struct Timing {
  std::uint64_t start = 0;
  std::uint64_t stop = 0;
  std::vector<std::string> repeats;
  bool operator==(const Timing&) const = default;
};

// m=<media> <port>[/<number of ports>] <proto> <fmt> ... and its section (§5.14)
struct MediaDescription {
  std::string media;  // "audio", "message", ...
  std::uint16_t port = 0;
  std::optional<std::uint32_t> port_count;
  std::string proto;  // "RTP/AVP", "RTP/SAVP", "TCP/MSRP", ...
  std::vector<std::string> formats;
  std::optional<std::string> title;  // i=
  std::vector<Connection> connections;
  std::vector<Bandwidth> bandwidths;
  std::optional<std::string> key;  // k= (obsolete, kept)
  AttributeList attributes;

  const Attribute* find(std::string_view name) const { return find_attribute(attributes, name); }
  std::vector<std::string_view> values(std::string_view name) const { return attribute_values(attributes, name); }
  bool has(std::string_view name) const { return has_attribute(attributes, name); }
  bool is_rtp() const;   // proto RTP/... or UDP/TLS/RTP/...
  bool is_msrp() const;  // proto TCP/MSRP or TCP/TLS/MSRP
  bool operator==(const MediaDescription&) const = default;
};

struct SessionDescription {
  unsigned version = 0;  // v= (§5.1): always 0
  Origin origin;
  std::string session_name = "-";
  std::optional<std::string> information;  // i=
  std::optional<std::string> uri;          // u=
  std::vector<std::string> emails;         // e=
  std::vector<std::string> phones;         // p=
  std::optional<Connection> connection;    // session-level c=
  std::vector<Bandwidth> bandwidths;
  std::vector<Timing> times{Timing{}};
  std::optional<std::string> zone_adjustments;  // z=, verbatim
  std::optional<std::string> key;               // k= (obsolete, kept)
  AttributeList attributes;
  std::vector<MediaDescription> media;

  const Attribute* find(std::string_view name) const { return find_attribute(attributes, name); }
  bool has(std::string_view name) const { return has_attribute(attributes, name); }
  bool operator==(const SessionDescription&) const = default;
};

// The connection that applies to a media section: its own first c=, else
// the session's (§5.7). Null when neither exists.
const Connection* effective_connection(const SessionDescription& sd, const MediaDescription& md);
// The direction of a media section: its own attribute, else the session's,
// else sendrecv (RFC 3264 §5.1).
Direction effective_direction(const SessionDescription& sd, const MediaDescription& md);
// A media-level attribute, else the session-level one (e.g. ice-ufrag, RFC 8839 §5.4).
const Attribute* find_either(const SessionDescription& sd, const MediaDescription& md, std::string_view name);

// Parses one whole description. On error `out` is left partly filled.
ParseError parse(std::string_view text, SessionDescription& out, const ParseOptions& options = {},
                 const Limits& limits = {});

// The canonical form: RFC 8866 order, CRLF line ends.
std::string serialize(const SessionDescription& sd);

}  // namespace cosip::sdp
