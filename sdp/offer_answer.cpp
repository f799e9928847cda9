// RFC 3264 rules: direction algebra, RTP format resolution and the answer
// validator. Each rule cites its section.
#include "sdp/offer_answer.hpp"

#include <array>

#include "sdp/detail/text.hpp"

namespace cosip::sdp {
namespace {

using detail::iequals;

struct StaticType {
  std::uint8_t pt;
  std::string_view encoding;
  std::uint32_t clock_rate;
  std::uint16_t channels;
};

// RFC 3551 §6, Tables 4 and 5.
constexpr std::array<StaticType, 24> static_types{{
    {0, "PCMU", 8000, 1},   {3, "GSM", 8000, 1},     {4, "G723", 8000, 1},    {5, "DVI4", 8000, 1},
    {6, "DVI4", 16000, 1},  {7, "LPC", 8000, 1},     {8, "PCMA", 8000, 1},    {9, "G722", 8000, 1},
    {10, "L16", 44100, 2},  {11, "L16", 44100, 1},   {12, "QCELP", 8000, 1},  {13, "CN", 8000, 1},
    {14, "MPA", 90000, 1},  {15, "G728", 8000, 1},   {16, "DVI4", 11025, 1},  {17, "DVI4", 22050, 1},
    {18, "G729", 8000, 1},  {25, "CelB", 90000, 1},  {26, "JPEG", 90000, 1},  {28, "nv", 90000, 1},
    {31, "H261", 90000, 1}, {32, "MPV", 90000, 1},   {33, "MP2T", 90000, 1},  {34, "H263", 90000, 1},
}};

AnswerError media_error(std::size_t index, const char* what) { return AnswerError{what, index, true}; }

bool has_format(const MediaDescription& md, std::string_view fmt) {
  for (const std::string& f : md.formats)
    if (f == fmt) return true;
  return false;
}

// RFC 3264 §6.1: sendonly -> recvonly/inactive, recvonly -> sendonly/inactive,
// inactive -> inactive, sendrecv -> anything.
bool compatible(Direction offered, Direction answered) {
  return (!sends(answered) || receives(offered)) && (!receives(answered) || sends(offered));
}

AnswerError check_rtp(std::size_t i, const MediaDescription& offer, const MediaDescription& answer) {
  // §6.1: at least one format in common with the offer.
  bool common = false;
  for (const std::string& fmt : answer.formats) {
    if (!has_format(offer, fmt)) continue;
    common = true;
    // §6.1: a payload type of the offer keeps its codec in the answer.
    const auto offered = resolve_format(offer, fmt);
    const auto answered = resolve_format(answer, fmt);
    if (offered && answered && !same_codec(*offered, *answered))
      return media_error(i, "payload type mapped to another codec than in the offer");
  }
  if (!common) return media_error(i, "no media format in common with the offer");
  // RFC 4568 §7.1.2: an accepted SRTP stream has one crypto line, with a tag and suite offered.
  const auto answered_crypto = answer.values("crypto");
  if (offer.proto.find("SAVP") != std::string::npos && answered_crypto.size() != 1)
    return media_error(i, "SRTP stream without exactly one crypto line");
  if (answered_crypto.size() > 1) return media_error(i, "more than one crypto line");
  if (answered_crypto.size() == 1) {
    Crypto mine;
    if (decode_crypto(answered_crypto.front(), mine)) return media_error(i, "malformed crypto line");
    bool offered = false;
    for (std::string_view value : offer.values("crypto")) {
      Crypto theirs;
      if (!decode_crypto(value, theirs) && theirs.tag == mine.tag && theirs.suite == mine.suite) offered = true;
    }
    if (!offered) return media_error(i, "crypto tag and suite not offered");
  }
  return {};
}

AnswerError check_msrp(std::size_t i, const MediaDescription& offer, const MediaDescription& answer) {
  // RFC 4975 §8.2: each side gives its path.
  std::vector<std::string_view> path;
  const Attribute* p = answer.find("path");
  if (p == nullptr || !p->value || decode_path(*p->value, path)) return media_error(i, "no valid a=path");
  // RFC 5547 §8.3: the answer to a file transfer carries the offer's file-selector.
  if (const Attribute* offered = offer.find("file-selector")) {
    const Attribute* echoed = answer.find("file-selector");
    if (echoed == nullptr || echoed->value != offered->value) return media_error(i, "file-selector not echoed");
  }
  return {};
}

}  // namespace

Direction make_direction(bool send, bool receive) {
  if (send) return receive ? Direction::sendrecv : Direction::sendonly;
  return receive ? Direction::recvonly : Direction::inactive;
}

Direction invert(Direction d) { return make_direction(receives(d), sends(d)); }

Direction intersect(Direction a, Direction b) {
  return make_direction(sends(a) && sends(b), receives(a) && receives(b));
}

std::optional<Rtpmap> resolve_format(const MediaDescription& md, std::string_view fmt) {
  // An RTP format is a payload type number, 0..127, written without leading zeros.
  std::uint8_t pt = 0;
  if ((fmt.size() > 1 && fmt[0] == '0') || !detail::parse_uint_as(fmt, pt) || pt > 127) return std::nullopt;
  for (const Attribute& a : md.attributes) {
    if (a.name != "rtpmap" || !a.value) continue;
    Rtpmap r;
    if (!decode_rtpmap(*a.value, r) && r.payload_type == pt) return r;
  }
  for (const StaticType& s : static_types)
    if (s.pt == pt) return Rtpmap{s.pt, s.encoding, s.clock_rate, s.channels};
  return std::nullopt;
}

bool same_codec(const Rtpmap& a, const Rtpmap& b) {
  return iequals(a.encoding, b.encoding) && a.clock_rate == b.clock_rate && a.channels == b.channels;
}

bool is_null_address(const Connection* c) {
  return c != nullptr && c->addr_type == "IP4" && c->address == "0.0.0.0";
}

std::string AnswerError::message() const {
  std::string text = media_level ? "m-line " + std::to_string(media) + ": " : std::string();
  text += what != nullptr ? what : "ok";
  return text;
}

AnswerError validate_answer(const SessionDescription& offer, const SessionDescription& answer) {
  // §6: exactly as many m-lines as the offer, matched by order.
  if (answer.media.size() != offer.media.size()) return AnswerError{"m-line count differs from the offer", 0, false};
  // §6: the t= line of the answer equals that of the offer.
  if (answer.times.size() != offer.times.size() || answer.times.front().start != offer.times.front().start ||
      answer.times.front().stop != offer.times.front().stop)
    return AnswerError{"t= differs from the offer", 0, false};
  for (std::size_t i = 0; i < offer.media.size(); ++i) {
    const MediaDescription& o = offer.media[i];
    const MediaDescription& a = answer.media[i];
    // §6.1: the media type of the stream in the answer matches the offer.
    if (a.media != o.media) return media_error(i, "media type differs from the offer");
    // §6: a stream offered with port zero is answered with port zero.
    if (o.port == 0 && a.port != 0) return media_error(i, "port zero in the offer but not in the answer");
    if (a.port == 0) continue;  // §6: refused; its formats are ignored
    // §5.1 / §6: the answer uses the offered transport.
    if (a.proto != o.proto) return media_error(i, "transport protocol differs from the offer");
    if (!compatible(effective_direction(offer, o), effective_direction(answer, a)))
      return media_error(i, "direction incompatible with the offer");
    if (effective_connection(answer, a) == nullptr) return media_error(i, "no connection address");
    if (o.is_rtp()) {
      if (AnswerError e = check_rtp(i, o, a)) return e;
    } else if (o.is_msrp()) {
      if (AnswerError e = check_msrp(i, o, a)) return e;
    }
  }
  return {};
}

}  // namespace cosip::sdp
