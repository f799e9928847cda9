// The RFC 3264 negotiator: builds offers from the local capabilities,
// answers remote offers stream by stream, reads answers, and derives the
// NegotiatedStream values from each pair of media sections. See the flow in
// negotiator.hpp.
#include "sdp/negotiator.hpp"

#include <algorithm>

#include "sdp/detail/text.hpp"

namespace cosip::sdp {
namespace {

using detail::StreamSlot;
using detail::iequals;

std::string addr_type_of(const std::string& address) {
  return address.find(':') != std::string::npos ? "IP6" : "IP4";
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

std::vector<std::string> to_strings(const std::vector<std::string_view>& views) {
  return {views.begin(), views.end()};
}

bool is_telephone_event(const Rtpmap& r) { return iequals(r.encoding, "telephone-event"); }

bool has_format(const MediaDescription& md, std::string_view fmt) {
  return std::find(md.formats.begin(), md.formats.end(), fmt) != md.formats.end();
}

// The offerer's direction as the answerer must read it: c=0.0.0.0 means it
// does not receive (RFC 3264 §8.4).
Direction remote_direction(const SessionDescription& sd, const MediaDescription& md) {
  const Direction d = effective_direction(sd, md);
  return is_null_address(effective_connection(sd, md)) ? intersect(d, Direction::sendonly) : d;
}

// RFC 3264 §8.4: a held sendrecv stream becomes sendonly, a held recvonly one inactive.
Direction held(Direction want) { return intersect(want, Direction::sendonly); }

void add_direction(MediaDescription& md, Direction d) { md.attributes.emplace_back(std::string(to_string(d))); }

void add_ice(MediaDescription& md, const IceParameters& ice) {
  md.attributes.emplace_back("ice-ufrag", ice.ufrag);
  md.attributes.emplace_back("ice-pwd", ice.pwd);
  if (!ice.options.empty()) md.attributes.emplace_back("ice-options", join(ice.options));
  for (const std::string& c : ice.candidates) md.attributes.emplace_back("candidate", c);
}

// Gives every codec (and telephone-event) of the slot a payload type: the
// static one where RFC 3551 defines it, else a free dynamic one (96..127),
// 101 preferred for telephone-event as most devices use it.
void assign_payload_types(StreamSlot& s, const AudioCapabilities& audio) {
  s.codec_pts.resize(audio.codecs.size(), -1);
  std::vector<bool> used(128, false);
  for (int pt : s.codec_pts)
    if (pt >= 0) used[static_cast<std::size_t>(pt)] = true;
  if (s.telephone_event_pt >= 0) used[static_cast<std::size_t>(s.telephone_event_pt)] = true;
  auto take = [&used](int pt) {
    used[static_cast<std::size_t>(pt)] = true;
    return pt;
  };
  auto dynamic = [&used, &take]() {
    for (int pt = 96; pt < 128; ++pt)
      if (!used[static_cast<std::size_t>(pt)]) return take(pt);
    return -1;
  };
  for (std::size_t i = 0; i < audio.codecs.size(); ++i) {
    const int fixed = audio.codecs[i].static_payload_type;
    if (s.codec_pts[i] < 0 && fixed >= 0 && fixed < 96 && !used[static_cast<std::size_t>(fixed)])
      s.codec_pts[i] = take(fixed);
  }
  if (audio.telephone_event && s.telephone_event_pt < 0 && !used[101]) s.telephone_event_pt = take(101);
  for (int& pt : s.codec_pts)
    if (pt < 0) pt = dynamic();
  if (audio.telephone_event && s.telephone_event_pt < 0) s.telephone_event_pt = dynamic();
}

void add_codec(MediaDescription& md, int pt, const AudioCodec& c) {
  md.formats.push_back(std::to_string(pt));
  md.attributes.emplace_back("rtpmap", encode(Rtpmap{static_cast<std::uint8_t>(pt), c.encoding, c.clock_rate, c.channels}));
  if (!c.fmtp.empty()) md.attributes.emplace_back("fmtp", std::to_string(pt) + ' ' + c.fmtp);
}

void add_telephone_event(MediaDescription& md, int pt, std::string_view events) {
  md.formats.push_back(std::to_string(pt));
  md.attributes.emplace_back("rtpmap", std::to_string(pt) + " telephone-event/8000");
  md.attributes.emplace_back("fmtp", std::to_string(pt) + ' ' + std::string(events));
}

MediaDescription audio_offer(const AudioCapabilities& audio, StreamSlot& s, Direction dir) {
  assign_payload_types(s, audio);
  MediaDescription md;
  md.media = "audio";
  md.port = audio.port;
  // RFC 4568 §3.1.4: SRTP is offered as RTP/SAVP; "optional" offers crypto on RTP/AVP.
  md.proto = audio.srtp == SrtpMode::mandatory ? "RTP/SAVP" : "RTP/AVP";
  for (std::size_t i = 0; i < audio.codecs.size(); ++i)
    if (s.codec_pts[i] >= 0) add_codec(md, s.codec_pts[i], audio.codecs[i]);
  // RFC 4733 §2.4.1: events 0-15 are DTMF, 16 is the hook flash.
  if (audio.telephone_event && s.telephone_event_pt >= 0) add_telephone_event(md, s.telephone_event_pt, "0-16");
  if (audio.ptime != 0) md.attributes.emplace_back("ptime", std::to_string(audio.ptime));
  add_direction(md, dir);
  if (audio.rtcp_mux) md.attributes.emplace_back("rtcp-mux");
  else if (audio.rtcp_port != 0) md.attributes.emplace_back("rtcp", std::to_string(audio.rtcp_port));
  if (audio.srtp != SrtpMode::off) {
    std::uint32_t tag = 0;
    for (const SrtpKey& k : audio.srtp_keys)
      md.attributes.emplace_back("crypto", std::to_string(++tag) + ' ' + k.suite + " inline:" + k.key_salt);
  }
  if (audio.ice) add_ice(md, *audio.ice);
  return md;
}

// Answers one RTP audio stream (RFC 3264 §6.1). False: refuse it.
bool audio_answer(const AudioCapabilities& audio, StreamSlot& s, const SessionDescription& offer_sd,
                  const MediaDescription& o, Direction dir, MediaDescription& md) {
  if (o.proto != "RTP/AVP" && o.proto != "RTP/SAVP") return false;
  // RFC 4568 §7.1.1: take the first offered crypto line with a suite we have a key for.
  const SrtpKey* key = nullptr;
  std::uint32_t tag = 0;
  if (audio.srtp != SrtpMode::off) {
    for (std::string_view value : o.values("crypto")) {
      Crypto c;
      if (decode_crypto(value, c) || !is_supported_suite(c.suite)) continue;
      for (const SrtpKey& k : audio.srtp_keys)
        if (k.suite == c.suite) key = &k;
      if (key != nullptr) {
        tag = c.tag;
        break;
      }
    }
  }
  if (key == nullptr && (o.proto == "RTP/SAVP" || audio.srtp == SrtpMode::mandatory)) return false;

  // §6.1: the codecs in common, in the offer's order, under the offer's payload types.
  s.codec_pts.assign(audio.codecs.size(), -1);
  s.telephone_event_pt = -1;
  std::vector<std::pair<std::uint8_t, std::string_view>> events;  // telephone-event payload types and fmtp
  md.media = "audio";
  md.port = audio.port;
  md.proto = o.proto;
  std::uint32_t first_rate = 0;
  for (const std::string& fmt : o.formats) {
    const auto r = resolve_format(o, fmt);
    if (!r) continue;
    if (is_telephone_event(*r)) {
      std::string_view events_fmtp = "0-15";  // RFC 4733 §2.4.1 default
      for (std::string_view v : o.values("fmtp")) {
        Fmtp f;
        if (!decode_fmtp(v, f) && f.format == fmt) events_fmtp = f.parameters;
      }
      // RFC 4733 §7.1.1: one channel; we send events at 8000 Hz.
      if (audio.telephone_event && r->clock_rate == 8000 && r->channels == 1)
        events.emplace_back(r->payload_type, events_fmtp);
      continue;
    }
    for (std::size_t i = 0; i < audio.codecs.size(); ++i) {
      const AudioCodec& c = audio.codecs[i];
      if (s.codec_pts[i] >= 0 || !same_codec(*r, Rtpmap{0, c.encoding, c.clock_rate, c.channels})) continue;
      s.codec_pts[i] = r->payload_type;
      if (first_rate == 0) first_rate = c.clock_rate;
      add_codec(md, r->payload_type, c);
      break;
    }
  }
  if (md.formats.empty()) return false;
  // One telephone-event (the offer may list one per clock rate; we send events at 8000 Hz).
  if (!events.empty()) {
    s.telephone_event_pt = events.front().first;
    add_telephone_event(md, s.telephone_event_pt, events.front().second);
  }
  if (audio.ptime != 0) md.attributes.emplace_back("ptime", std::to_string(audio.ptime));
  add_direction(md, dir);
  // RFC 5761 §5.1.1: rtcp-mux in the answer only if offered.
  if (audio.rtcp_mux && o.has("rtcp-mux")) md.attributes.emplace_back("rtcp-mux");
  else if (audio.rtcp_port != 0) md.attributes.emplace_back("rtcp", std::to_string(audio.rtcp_port));
  // RFC 4568 §7.1.1: the same tag and suite, our own key.
  if (key != nullptr) md.attributes.emplace_back("crypto", std::to_string(tag) + ' ' + key->suite + " inline:" + key->key_salt);
  // RFC 8839 §4.2.1: ICE only when the offer uses it too.
  if (audio.ice && find_either(offer_sd, o, "ice-ufrag") != nullptr && find_either(offer_sd, o, "ice-pwd") != nullptr)
    add_ice(md, *audio.ice);
  return true;
}

std::string msrp_path(const MsrpCapabilities& m, const std::string& session_id) {
  std::string path;
  for (const std::string& relay : m.relay_path) path += relay + ' ';
  return path + (m.tls ? "msrps://" : "msrp://") + m.host + ':' + std::to_string(m.port) + '/' + session_id + ";tcp";
}

std::string msrp_proto(const MsrpCapabilities& m) { return m.tls ? "TCP/TLS/MSRP" : "TCP/MSRP"; }

MediaDescription msrp_section(const MsrpCapabilities& m) {
  MediaDescription md;
  md.media = "message";
  md.port = m.port;
  md.proto = msrp_proto(m);
  md.formats = {"*"};
  return md;
}

void add_file_attributes(MediaDescription& md, const FileDescription& f) {
  FileSelector selector{f.name, f.type, f.size, f.hash_algorithm, f.hash};
  md.attributes.emplace_back("file-selector", encode(selector));
  md.attributes.emplace_back("file-transfer-id", f.transfer_id);
  if (!f.disposition.empty()) md.attributes.emplace_back("file-disposition", f.disposition);
  if (!f.date.empty()) md.attributes.emplace_back("file-date", f.date);
}

MediaDescription msrp_offer(const MsrpCapabilities& m, const StreamSlot& s) {
  MediaDescription md = msrp_section(m);
  if (s.kind == StreamKind::file_transfer) {
    md.attributes.emplace_back("accept-types", "*");
  } else {
    md.attributes.emplace_back("accept-types", join(m.accept_types));
    if (!m.accept_wrapped_types.empty()) md.attributes.emplace_back("accept-wrapped-types", join(m.accept_wrapped_types));
  }
  if (m.max_size) md.attributes.emplace_back("max-size", std::to_string(*m.max_size));
  md.attributes.emplace_back("path", msrp_path(m, s.msrp_session_id));
  // RFC 6135 §4.1: the offerer lets the answerer choose who connects;
  // through a relay the peer must connect (to the relay).
  md.attributes.emplace_back("setup", m.relay_path.empty() ? "actpass" : "passive");
  add_direction(md, s.want);
  if (s.file) add_file_attributes(md, *s.file);
  return md;
}

bool type_matches(std::string_view pattern, std::string_view type) {
  pattern = pattern.substr(0, pattern.find(';'));
  type = type.substr(0, type.find(';'));
  if (pattern == "*") return true;
  if (pattern.ends_with("/*")) return iequals(pattern.substr(0, pattern.size() - 1), type.substr(0, pattern.size() - 1));
  return iequals(pattern, type);
}

// Answers one MSRP stream, chat or file (RFC 4975 §8, RFC 5547 §8.3). False: refuse it.
bool msrp_answer(const MsrpCapabilities& m, StreamSlot& s, const MediaDescription& o, Direction dir,
                 MediaDescription& md) {
  if (o.proto != msrp_proto(m)) return false;
  std::vector<std::string_view> path, types;
  const Attribute* p = o.find("path");
  const Attribute* t = o.find("accept-types");
  if (p == nullptr || !p->value || decode_path(*p->value, path)) return false;       // RFC 4975 §8.2
  if (t == nullptr || !t->value || decode_accept_types(*t->value, types)) return false;  // RFC 4975 §8.6
  std::string setup;
  if (const Attribute* a = o.find("setup")) {
    Setup offered;
    if (!a->value || decode_setup(*a->value, offered) || offered == Setup::holdconn) return false;
    // RFC 6135 §4.2: answer active to actpass or passive (we connect), passive to active;
    // through a relay passive wherever the offer lets us (the peer connects to our relay).
    setup = offered == Setup::active || (offered == Setup::actpass && !m.relay_path.empty()) ? "passive" : "active";
  }
  md = msrp_section(m);
  if (s.kind == StreamKind::file_transfer) {
    // RFC 5547 §8.3: we receive what the offer will send; its types are echoed.
    md.attributes.emplace_back("accept-types", *t->value);
    if (const Attribute* w = o.find("accept-wrapped-types"); w != nullptr && w->value)
      md.attributes.emplace_back("accept-wrapped-types", *w->value);
  } else {
    // RFC 4975 §8.6: refuse when the peer accepts none of the types we send.
    const bool any = std::any_of(m.accept_types.begin(), m.accept_types.end(), [&types](const std::string& ours) {
      return std::any_of(types.begin(), types.end(), [&ours](std::string_view theirs) { return type_matches(theirs, ours); });
    });
    if (!any) return false;
    md.attributes.emplace_back("accept-types", join(m.accept_types));
    if (!m.accept_wrapped_types.empty()) md.attributes.emplace_back("accept-wrapped-types", join(m.accept_wrapped_types));
  }
  if (m.max_size) md.attributes.emplace_back("max-size", std::to_string(*m.max_size));
  md.attributes.emplace_back("path", msrp_path(m, s.msrp_session_id));
  if (!setup.empty()) md.attributes.emplace_back("setup", setup);
  add_direction(md, dir);
  // RFC 5547 §8.3: the file attributes of the offer, echoed byte for byte
  // (a re-encoding, e.g. "size:02894" as "size:2894", would not match).
  if (s.kind == StreamKind::file_transfer)
    for (std::string_view name : {"file-selector", "file-transfer-id", "file-disposition", "file-date"})
      if (const Attribute* a = o.find(name)) md.attributes.push_back(*a);
  return true;
}

// The file an MSRP file-transfer section describes (RFC 5547 §6), or none.
std::optional<FileDescription> file_of(const MediaDescription& md) {
  const Attribute* sel = md.find("file-selector");
  const Attribute* id = md.find("file-transfer-id");
  FileSelector f;
  if (sel == nullptr || !sel->value || decode_file_selector(*sel->value, f)) return std::nullopt;
  // RFC 5547 §8.1: a file transfer carries a file-transfer-id.
  if (id == nullptr || !id->value || decode_file_transfer_id(*id->value)) return std::nullopt;
  FileDescription d;
  d.name = f.name;
  d.type = f.type;
  d.size = f.size;
  d.hash_algorithm = f.hash_algorithm;
  d.hash = f.hash;
  d.transfer_id = *id->value;
  if (const Attribute* a = md.find("file-disposition"); a != nullptr && a->value && !decode_file_disposition(*a->value))
    d.disposition = *a->value;
  if (const Attribute* a = md.find("file-date"); a != nullptr && a->value) {
    FileDate date;
    if (!decode_file_date(*a->value, date)) d.date = *a->value;
  }
  return d;
}

StreamKind kind_of(const MediaDescription& md) {
  if (md.media == "audio" && md.is_rtp()) return StreamKind::audio;
  if (md.media == "message" && md.is_msrp()) return md.has("file-selector") ? StreamKind::file_transfer : StreamKind::chat;
  return StreamKind::unsupported;
}

MediaDescription disabled(const StreamSlot& s) {
  MediaDescription md;
  md.media = s.media;
  md.port = 0;
  md.proto = s.proto;
  md.formats = s.formats.empty() ? std::vector<std::string>{"0"} : s.formats;  // §6: at least one format
  return md;
}

void remember(StreamSlot& s, const MediaDescription& md) {
  s.media = md.media;
  s.proto = md.proto;
  s.formats = md.formats;
}

void describe_audio(const MediaDescription& local, const MediaDescription& remote, const MediaDescription& answer,
                    const SessionDescription& remote_sd, NegotiatedStream& n) {
  // §7: the first format of the answer that both sides list is the one sent.
  for (const std::string& fmt : answer.formats) {
    if (!has_format(local, fmt) || !has_format(remote, fmt)) continue;
    const auto r = resolve_format(local, fmt);
    if (!r) continue;
    if (is_telephone_event(*r)) {
      if (!n.telephone_event_payload_type) n.telephone_event_payload_type = r->payload_type;
    } else if (n.codec.empty()) {
      n.codec = r->encoding;
      n.clock_rate = r->clock_rate;
      n.channels = r->channels;
      n.payload_type = r->payload_type;
      for (std::string_view v : remote.values("fmtp")) {
        Fmtp f;
        if (!decode_fmtp(v, f) && f.format == fmt) n.codec_fmtp = f.parameters;
      }
    }
  }
  if (const Attribute* a = remote.find("ptime"); a != nullptr && a->value) {
    std::uint32_t ms = 0;
    if (!decode_ptime(*a->value, ms)) n.remote_ptime = ms;
  }
  n.rtcp_mux = local.has("rtcp-mux") && remote.has("rtcp-mux");
  // RFC 3605 §2.1 a=rtcp, else RTP port + 1 (RFC 3550 §11), or the RTP port when muxed (RFC 5761).
  n.remote_rtcp_address = n.remote_address;
  n.remote_rtcp_port = n.rtcp_mux ? n.remote_port : static_cast<std::uint16_t>(n.remote_port + 1);
  Rtcp rtcp;
  if (const Attribute* a = remote.find("rtcp"); !n.rtcp_mux && a != nullptr && a->value && !decode_rtcp(*a->value, rtcp)) {
    n.remote_rtcp_port = rtcp.port;
    if (!rtcp.address.empty()) n.remote_rtcp_address = rtcp.address;
  }
  // RFC 4568 §7: the answered tag pairs one crypto line of each side.
  for (std::string_view lv : local.values("crypto")) {
    Crypto lc;
    if (decode_crypto(lv, lc) || lc.keys.empty()) continue;
    for (std::string_view rv : remote.values("crypto")) {
      Crypto rc;
      if (n.srtp || decode_crypto(rv, rc) || rc.keys.empty() || rc.tag != lc.tag || rc.suite != lc.suite) continue;
      n.srtp = SrtpParameters{std::string(lc.suite), lc.tag, std::string(lc.keys.front().key_salt),
                              std::string(rc.keys.front().key_salt)};
    }
  }
  // RFC 8839 §5.4: credentials at media level, else session level.
  const Attribute* ufrag = find_either(remote_sd, remote, "ice-ufrag");
  const Attribute* pwd = find_either(remote_sd, remote, "ice-pwd");
  if (local.has("ice-ufrag") && ufrag != nullptr && pwd != nullptr && ufrag->value && pwd->value &&
      !decode_ice_ufrag(*ufrag->value) && !decode_ice_pwd(*pwd->value)) {
    IceParameters ice;
    ice.ufrag = *ufrag->value;
    ice.pwd = *pwd->value;
    std::vector<std::string_view> options;
    if (const Attribute* o = find_either(remote_sd, remote, "ice-options"); o != nullptr && o->value &&
                                                                             !decode_ice_options(*o->value, options))
      ice.options = to_strings(options);
    for (std::string_view c : remote.values("candidate")) {
      Candidate cand;
      if (!decode_candidate(c, cand)) ice.candidates.emplace_back(c);
    }
    n.remote_ice = std::move(ice);
  }
}

void describe_msrp(const MediaDescription& local, const MediaDescription& remote, const MediaDescription& answer,
                   bool we_answered, NegotiatedStream& n) {
  if (const Attribute* a = local.find("path"); a != nullptr && a->value) n.local_path = *a->value;
  std::vector<std::string_view> list;
  if (const Attribute* a = remote.find("path"); a != nullptr && a->value && !decode_path(*a->value, list))
    n.remote_path = to_strings(list);
  if (const Attribute* a = remote.find("accept-types"); a != nullptr && a->value && !decode_accept_types(*a->value, list))
    n.remote_accept_types = to_strings(list);
  if (const Attribute* a = remote.find("accept-wrapped-types");
      a != nullptr && a->value && !decode_accept_types(*a->value, list))
    n.remote_accept_wrapped_types = to_strings(list);
  if (const Attribute* a = remote.find("max-size"); a != nullptr && a->value) {
    std::uint64_t size = 0;
    if (!decode_max_size(*a->value, size)) n.remote_max_size = size;
  }
  // RFC 6135 §4.2: the answer's a=setup says who connects; without one the
  // offerer does (RFC 4975 §5.4).
  Setup setup = Setup::passive;
  const Attribute* a = answer.find("setup");
  const bool answerer_active = a != nullptr && a->value && !decode_setup(*a->value, setup) && setup == Setup::active;
  n.msrp_active = we_answered == answerer_active;
  n.file = file_of(local);
  if (!n.file) n.file = file_of(remote);
}

NegotiatedStream describe(const StreamSlot& s, std::size_t index, const MediaDescription& local,
                          const SessionDescription& remote_sd, const MediaDescription& remote, bool we_answered) {
  NegotiatedStream n;
  n.index = index;
  n.kind = s.kind;
  n.accepted = s.enabled && local.port != 0 && remote.port != 0;
  if (!n.accepted) return n;
  const Direction theirs = remote_direction(remote_sd, remote);
  n.direction = intersect(find_direction(local.attributes).value_or(Direction::sendrecv), invert(theirs));
  n.remote_hold = !receives(theirs);
  if (const Connection* c = effective_connection(remote_sd, remote)) n.remote_address = c->address;
  n.remote_port = remote.port;
  const MediaDescription& answer = we_answered ? local : remote;
  if (s.kind == StreamKind::audio) describe_audio(local, remote, answer, remote_sd, n);
  else describe_msrp(local, remote, answer, we_answered, n);
  return n;
}

}  // namespace

std::string_view to_string(StreamKind k) {
  switch (k) {
    case StreamKind::audio: return "audio";
    case StreamKind::chat: return "chat";
    case StreamKind::file_transfer: return "file-transfer";
    case StreamKind::unsupported: return "unsupported";
  }
  return "unsupported";
}

const NegotiatedStream* NegotiatedSession::find(StreamKind kind) const {
  for (const NegotiatedStream& s : streams)
    if (s.kind == kind && s.accepted) return &s;
  return nullptr;
}

std::string NegotiationError::message() const {
  std::string text;
  switch (code) {
    case NegotiationErrc::ok: text = "ok"; break;
    case NegotiationErrc::offer_pending: text = "an offer is already outstanding"; break;
    case NegotiationErrc::no_offer_pending: text = "no offer is outstanding"; break;
    case NegotiationErrc::invalid_offer: text = "invalid offer"; break;
    case NegotiationErrc::invalid_answer: text = "invalid answer"; break;
    case NegotiationErrc::not_acceptable: text = "no offered stream is acceptable"; break;
    case NegotiationErrc::no_such_stream: text = "no such stream"; break;
    case NegotiationErrc::session_exists: text = "the session already has streams"; break;
  }
  if (!detail.empty()) text += ": " + detail;
  return text;
}

Negotiator::Negotiator(LocalCapabilities capabilities)
    : caps_(std::move(capabilities)), version_(caps_.session_version) {}

SessionDescription Negotiator::base_description() const {
  SessionDescription sd;
  sd.origin.username = caps_.username;
  sd.origin.session_id = caps_.session_id;
  sd.origin.addr_type = addr_type_of(caps_.address);
  sd.origin.address = caps_.address;
  sd.session_name = "-";
  Connection c;
  c.addr_type = sd.origin.addr_type;
  c.address = caps_.address;
  sd.connection = c;
  return sd;
}

// RFC 3264 §8: the version grows by one when the description differs from
// the previous one we sent, and stays otherwise.
void Negotiator::stamp_version(SessionDescription& sd) {
  sd.origin.session_version = version_;
  if (local_ && sd != *local_) sd.origin.session_version = ++version_;
}

detail::StreamSlot Negotiator::new_slot(const StreamRequest& request) {
  StreamSlot s;
  s.kind = request.kind;
  s.want = request.direction;
  s.file = request.file;
  if (s.kind != StreamKind::audio) s.msrp_session_id = caps_.msrp.session_id_prefix + std::to_string(++msrp_counter_);
  return s;
}

NegotiationError Negotiator::start_offer(std::vector<StreamSlot> slots, SessionDescription& offer) {
  offer = base_description();
  for (StreamSlot& s : slots) {
    if (!s.enabled) {
      offer.media.push_back(disabled(s));
      continue;
    }
    MediaDescription md = s.kind == StreamKind::audio
                              ? audio_offer(caps_.audio, s, pending_held_ ? held(s.want) : s.want)
                              : msrp_offer(caps_.msrp, s);
    remember(s, md);
    offer.media.push_back(std::move(md));
  }
  stamp_version(offer);
  local_ = offer;
  pending_offer_ = offer;
  pending_slots_ = std::move(slots);
  state_ = State::offer_sent;
  return {};
}

NegotiationError Negotiator::make_offer(const std::vector<StreamRequest>& streams, SessionDescription& offer) {
  if (state_ == State::offer_sent) return {NegotiationErrc::offer_pending, {}};
  if (!slots_.empty()) return {NegotiationErrc::session_exists, {}};
  std::vector<StreamSlot> slots;
  for (const StreamRequest& r : streams) slots.push_back(new_slot(r));
  pending_held_ = held_;
  return start_offer(std::move(slots), offer);
}

NegotiationError Negotiator::reoffer(SessionDescription& offer) {
  if (state_ == State::offer_sent) return {NegotiationErrc::offer_pending, {}};
  pending_held_ = held_;
  return start_offer(slots_, offer);
}

NegotiationError Negotiator::hold(SessionDescription& offer) {
  if (state_ == State::offer_sent) return {NegotiationErrc::offer_pending, {}};
  pending_held_ = true;
  return start_offer(slots_, offer);
}

NegotiationError Negotiator::unhold(SessionDescription& offer) {
  if (state_ == State::offer_sent) return {NegotiationErrc::offer_pending, {}};
  pending_held_ = false;
  return start_offer(slots_, offer);
}

NegotiationError Negotiator::add_stream(const StreamRequest& stream, SessionDescription& offer) {
  if (state_ == State::offer_sent) return {NegotiationErrc::offer_pending, {}};
  std::vector<StreamSlot> slots = slots_;
  // RFC 3264 §8.1: a new stream may take the slot of a disabled one.
  auto free_slot = std::find_if(slots.begin(), slots.end(), [](const StreamSlot& s) { return !s.enabled; });
  if (free_slot != slots.end()) *free_slot = new_slot(stream);
  else slots.push_back(new_slot(stream));
  pending_held_ = held_;
  return start_offer(std::move(slots), offer);
}

NegotiationError Negotiator::remove_stream(std::size_t index, SessionDescription& offer) {
  if (state_ == State::offer_sent) return {NegotiationErrc::offer_pending, {}};
  if (index >= slots_.size() || !slots_[index].enabled) return {NegotiationErrc::no_such_stream, {}};
  std::vector<StreamSlot> slots = slots_;
  slots[index].enabled = false;  // RFC 3264 §8.2: port 0, the m-line stays
  pending_held_ = held_;
  return start_offer(std::move(slots), offer);
}

NegotiationError Negotiator::rollback() {
  if (state_ != State::offer_sent) return {NegotiationErrc::no_offer_pending, {}};
  state_ = State::stable;
  pending_offer_.reset();
  pending_slots_.clear();
  return {};
}

NegotiationError Negotiator::process_answer(const SessionDescription& answer) {
  if (state_ != State::offer_sent) return {NegotiationErrc::no_offer_pending, {}};
  if (AnswerError e = validate_answer(*pending_offer_, answer)) return {NegotiationErrc::invalid_answer, e.message()};
  slots_ = std::move(pending_slots_);
  held_ = pending_held_;
  session_.streams.clear();
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (answer.media[i].port == 0) slots_[i].enabled = false;  // §6: refused
    session_.streams.push_back(describe(slots_[i], i, pending_offer_->media[i], answer, answer.media[i], false));
  }
  remote_ = answer;
  pending_offer_.reset();
  state_ = State::stable;
  return {};
}

NegotiationError Negotiator::answer(const SessionDescription& offer, SessionDescription& out,
                                    const AnswerOptions& options) {
  if (state_ == State::offer_sent) return {NegotiationErrc::offer_pending, {}};
  // RFC 3264 §8: a new offer never has fewer m-lines than the session.
  if (offer.media.size() < slots_.size()) return {NegotiationErrc::invalid_offer, "fewer m-lines than the session"};
  std::vector<StreamSlot> slots = slots_;
  SessionDescription answer = base_description();
  answer.times = offer.times;  // §6: t= equal to the offer's
  bool any = false;
  for (std::size_t i = 0; i < offer.media.size(); ++i) {
    const MediaDescription& o = offer.media[i];
    const StreamKind kind = kind_of(o);
    if (i == slots.size()) {
      slots.emplace_back();
      slots.back().enabled = false;
    }
    StreamSlot& s = slots[i];
    // A stream new to this slot (or a disabled slot the peer reuses, §8.1) starts afresh.
    if (!s.enabled || s.kind != kind) {
      StreamRequest r;
      r.kind = kind;
      s = new_slot(r);
    }
    const Direction theirs = remote_direction(offer, o);
    MediaDescription md;
    bool accepted = o.port != 0 && kind != StreamKind::unsupported &&
                    std::find(options.refuse.begin(), options.refuse.end(), i) == options.refuse.end();
    if (accepted && kind == StreamKind::audio) {
      s.want = Direction::sendrecv;
      accepted = !caps_.audio.codecs.empty() &&
                 audio_answer(caps_.audio, s, offer, o, intersect(invert(theirs), held_ ? held(s.want) : s.want), md);
    } else if (accepted && kind == StreamKind::chat) {
      s.want = Direction::sendrecv;
      accepted = caps_.msrp.chat && msrp_answer(caps_.msrp, s, o, intersect(invert(theirs), s.want), md);
    } else if (accepted && kind == StreamKind::file_transfer) {
      // RFC 5547 §8.3: a pushed file (sendonly offer) is received; pulls are not served here.
      s.file = file_of(o);
      s.want = Direction::recvonly;
      accepted = caps_.msrp.file_transfer && s.file && theirs == Direction::sendonly &&
                 msrp_answer(caps_.msrp, s, o, s.want, md);
    }
    if (accepted) {
      s.enabled = true;
      remember(s, md);
      any = true;
    } else {
      // §6: refused with port 0; the offer's formats are kept.
      s.enabled = false;
      remember(s, o);
      md = disabled(s);
    }
    answer.media.push_back(std::move(md));
  }
  if (!any && !offer.media.empty()) return {NegotiationErrc::not_acceptable, {}};
  stamp_version(answer);
  slots_ = std::move(slots);
  session_.streams.clear();
  for (std::size_t i = 0; i < slots_.size(); ++i)
    session_.streams.push_back(describe(slots_[i], i, answer.media[i], offer, offer.media[i], true));
  local_ = answer;
  remote_ = offer;
  out = std::move(answer);
  return {};
}

}  // namespace cosip::sdp
