// The SDP model's lookups (attributes, effective connection and direction)
// and its canonical serializer (RFC 8866 §5 order, CRLF line ends).
#include "sdp/session_description.hpp"

namespace cosip::sdp {

std::string_view to_string(Direction d) {
  switch (d) {
    case Direction::sendrecv: return "sendrecv";
    case Direction::sendonly: return "sendonly";
    case Direction::recvonly: return "recvonly";
    case Direction::inactive: return "inactive";
  }
  return "sendrecv";
}

const Attribute* find_attribute(const AttributeList& list, std::string_view name) {
  for (const Attribute& a : list)
    if (a.name == name) return &a;
  return nullptr;
}

std::vector<std::string_view> attribute_values(const AttributeList& list, std::string_view name) {
  std::vector<std::string_view> values;
  for (const Attribute& a : list)
    if (a.name == name) values.emplace_back(a.value ? std::string_view(*a.value) : std::string_view{});
  return values;
}

bool has_attribute(const AttributeList& list, std::string_view name) { return find_attribute(list, name) != nullptr; }

std::optional<Direction> find_direction(const AttributeList& list) {
  for (const Attribute& a : list) {
    if (a.value) continue;
    if (a.name == "sendrecv") return Direction::sendrecv;
    if (a.name == "sendonly") return Direction::sendonly;
    if (a.name == "recvonly") return Direction::recvonly;
    if (a.name == "inactive") return Direction::inactive;
  }
  return std::nullopt;
}

bool MediaDescription::is_rtp() const {
  return proto.starts_with("RTP/") || proto.starts_with("UDP/TLS/RTP/");
}

bool MediaDescription::is_msrp() const { return proto == "TCP/MSRP" || proto == "TCP/TLS/MSRP"; }

const Connection* effective_connection(const SessionDescription& sd, const MediaDescription& md) {
  if (!md.connections.empty()) return &md.connections.front();
  return sd.connection ? &*sd.connection : nullptr;
}

Direction effective_direction(const SessionDescription& sd, const MediaDescription& md) {
  if (auto d = find_direction(md.attributes)) return *d;
  if (auto d = find_direction(sd.attributes)) return *d;
  return Direction::sendrecv;
}

const Attribute* find_either(const SessionDescription& sd, const MediaDescription& md, std::string_view name) {
  if (const Attribute* a = md.find(name)) return a;
  return sd.find(name);
}

namespace {

void line(std::string& out, char type, std::string_view value) {
  out += type;
  out += '=';
  out += value;
  out += "\r\n";
}

void connection(std::string& out, const Connection& c) {
  out += "c=";
  out += c.net_type;
  out += ' ';
  out += c.addr_type;
  out += ' ';
  out += c.address;
  out += c.multicast_suffix;
  out += "\r\n";
}

void bandwidths(std::string& out, const std::vector<Bandwidth>& list) {
  for (const Bandwidth& b : list) line(out, 'b', b.type + ':' + std::to_string(b.value));
}

void attributes(std::string& out, const AttributeList& list) {
  for (const Attribute& a : list) {
    out += "a=";
    out += a.name;
    if (a.value) {
      out += ':';
      out += *a.value;
    }
    out += "\r\n";
  }
}

}  // namespace

std::string serialize(const SessionDescription& sd) {
  std::string out;
  out.reserve(512);
  out += "v=0\r\n";
  const Origin& o = sd.origin;
  line(out, 'o', o.username + ' ' + o.session_id + ' ' + std::to_string(o.session_version) + ' ' + o.net_type + ' ' +
                     o.addr_type + ' ' + o.address);
  line(out, 's', sd.session_name.empty() ? std::string_view("-") : std::string_view(sd.session_name));
  if (sd.information) line(out, 'i', *sd.information);
  if (sd.uri) line(out, 'u', *sd.uri);
  for (const std::string& e : sd.emails) line(out, 'e', e);
  for (const std::string& p : sd.phones) line(out, 'p', p);
  if (sd.connection) connection(out, *sd.connection);
  bandwidths(out, sd.bandwidths);
  for (const Timing& t : sd.times) {
    line(out, 't', std::to_string(t.start) + ' ' + std::to_string(t.stop));
    for (const std::string& r : t.repeats) line(out, 'r', r);
  }
  if (sd.times.empty()) out += "t=0 0\r\n";  // §5.9: t= is mandatory
  if (sd.zone_adjustments) line(out, 'z', *sd.zone_adjustments);
  if (sd.key) line(out, 'k', *sd.key);
  attributes(out, sd.attributes);
  for (const MediaDescription& md : sd.media) {
    out += "m=";
    out += md.media;
    out += ' ';
    out += std::to_string(md.port);
    if (md.port_count) {
      out += '/';
      out += std::to_string(*md.port_count);
    }
    out += ' ';
    out += md.proto;
    for (const std::string& f : md.formats) {
      out += ' ';
      out += f;
    }
    out += "\r\n";
    if (md.title) line(out, 'i', *md.title);
    for (const Connection& c : md.connections) connection(out, c);
    bandwidths(out, md.bandwidths);
    if (md.key) line(out, 'k', *md.key);
    attributes(out, md.attributes);
  }
  return out;
}

}  // namespace cosip::sdp
