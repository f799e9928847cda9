#include "rtp/rtcp.hpp"

#include <algorithm>

#include "rtp/detail/wire.hpp"

namespace cosip::rtp {

namespace {

using detail::load16;
using detail::load32;
using detail::Writer;

constexpr std::size_t max_count = 31;         // the 5-bit count of the common header
constexpr std::size_t report_block_size = 24;  // §6.4.1
constexpr std::size_t sender_part_size = 24;   // SSRC of sender + sender info

std::uint32_t at(std::size_t base, std::size_t p) { return static_cast<std::uint32_t>(base + p); }

std::string_view text_at(ByteView body, std::size_t p, std::size_t length) {
  return {reinterpret_cast<const char*>(body.data() + p), length};
}

// ---- parsing: each decoder gets the body (after the common header, padding
// removed), the count field, and the body's offset in the compound.

ReportBlock read_block(const std::uint8_t* p) {
  ReportBlock b;
  b.ssrc = load32(p);
  b.fraction_lost = p[4];
  const std::uint32_t lost = load32(p + 4) & 0xFFFFFF;
  // §6.4.1: cumulative number of packets lost is a signed 24-bit integer.
  b.cumulative_lost = static_cast<std::int32_t>(lost ^ 0x800000) - 0x800000;
  b.extended_highest_sequence = load32(p + 8);
  b.jitter = load32(p + 12);
  b.last_sr = load32(p + 16);
  b.delay_since_last_sr = load32(p + 20);
  return b;
}

// Report blocks from `p`, then the profile-specific extension (§6.4.1).
Error read_reports(ByteView body, std::size_t p, std::size_t count, std::size_t base,
                   std::vector<ReportBlock>& reports, ByteView& extension) {
  if (body.size() - p < count * report_block_size)
    return {Errc::bad_report_count, at(base, p), "report blocks beyond the packet"};
  reports.clear();
  reports.reserve(count);
  for (std::size_t i = 0; i < count; ++i, p += report_block_size) reports.push_back(read_block(&body[p]));
  extension = body.subspan(p);
  return {};
}

Error read_sr(ByteView body, std::size_t count, std::size_t base, SenderReport& sr) {
  if (body.size() < sender_part_size) return {Errc::truncated, at(base, 0), "SR shorter than its sender info"};
  sr.ssrc = load32(&body[0]);
  sr.sender.ntp_timestamp = (std::uint64_t{load32(&body[4])} << 32) | load32(&body[8]);
  sr.sender.rtp_timestamp = load32(&body[12]);
  sr.sender.packet_count = load32(&body[16]);
  sr.sender.octet_count = load32(&body[20]);
  return read_reports(body, sender_part_size, count, base, sr.reports, sr.profile_extension);
}

Error read_rr(ByteView body, std::size_t count, std::size_t base, ReceiverReport& rr) {
  if (body.size() < 4) return {Errc::truncated, at(base, 0), "RR without its SSRC"};
  rr.ssrc = load32(&body[0]);
  return read_reports(body, 4, count, base, rr.reports, rr.profile_extension);
}

// §6.5: each chunk is an SSRC/CSRC and items (type, length, text), ended
// by a null octet and more null octets up to the next 32-bit boundary.
Error read_sdes(ByteView body, std::size_t count, std::size_t base, SourceDescription& sdes) {
  std::size_t p = 0;
  sdes.chunks.assign(count, SdesChunk{});
  for (SdesChunk& chunk : sdes.chunks) {
    if (body.size() - p < 4) return {Errc::bad_sdes, at(base, p), "chunk beyond the packet"};
    chunk.ssrc = load32(&body[p]);
    p += 4;
    for (;;) {
      if (p == body.size()) return {Errc::bad_sdes, at(base, p), "chunk without its null octet"};
      const std::uint8_t type = body[p];
      if (type == 0) break;
      if (body.size() - p < 2 || body.size() - p - 2 < body[p + 1])
        return {Errc::bad_sdes, at(base, p), "item beyond the packet"};
      chunk.items.push_back({static_cast<SdesType>(type), text_at(body, p + 2, body[p + 1])});
      p += 2u + body[p + 1];
    }
    for (++p; p % 4 != 0; ++p) {
      if (p == body.size()) return {Errc::bad_sdes, at(base, p), "chunk padding beyond the packet"};
      if (body[p] != 0) return {Errc::bad_sdes, at(base, p), "non-null octet in chunk padding"};
    }
  }
  if (p != body.size()) return {Errc::bad_sdes, at(base, p), "bytes after the last chunk"};
  return {};
}

// §6.6: SSRC/CSRCs, then an optional reason (length, text) padded with null
// octets to the next 32-bit boundary.
Error read_bye(ByteView body, std::size_t count, std::size_t base, Bye& bye) {
  if (body.size() / 4 < count) return {Errc::bad_bye, at(base, body.size()), "sources beyond the packet"};
  bye.sources.resize(count);
  std::size_t p = 0;
  for (std::uint32_t& s : bye.sources) {
    s = load32(&body[p]);
    p += 4;
  }
  bye.reason.reset();
  if (p == body.size()) return {};
  const std::size_t length = body[p];
  if (body.size() - p - 1 < length) return {Errc::bad_bye, at(base, p), "reason beyond the packet"};
  bye.reason = text_at(body, p + 1, length);
  p += 1 + length;
  for (; p % 4 != 0; ++p) {
    if (p == body.size()) return {Errc::bad_bye, at(base, p), "reason padding beyond the packet"};
    if (body[p] != 0) return {Errc::bad_bye, at(base, p), "non-null octet after the reason"};
  }
  if (p != body.size()) return {Errc::bad_bye, at(base, p), "bytes after the reason"};
  return {};
}

// §6.7: SSRC/CSRC, a 4-octet name, application-dependent data.
Error read_app(ByteView body, std::size_t count, std::size_t base, App& app) {
  if (body.size() < 8) return {Errc::bad_app, at(base, 0), "shorter than its SSRC and name"};
  app.subtype = static_cast<std::uint8_t>(count);
  app.ssrc = load32(&body[0]);
  std::copy_n(body.data() + 4, 4, reinterpret_cast<std::uint8_t*>(app.name.data()));
  app.data = body.subspan(8);
  return {};
}

template <typename T, typename Read>
Error decode(ByteView body, std::size_t count, std::size_t base, Compound& out, Read read) {
  T packet;
  if (const Error e = read(body, count, base, packet)) return e;
  out.packets.emplace_back(std::move(packet));
  return {};
}

// ---- writing

struct Fault {
  Errc code = Errc::ok;
  const char* detail = "";
  explicit operator bool() const { return code != Errc::ok; }
};

// Room for the common header, completed by end_packet().
std::size_t begin_packet(Writer& w) {
  const std::size_t start = w.position();
  w.u32(0);
  return start;
}

// Appends the padding, then writes the common header (§6.4.1): V=2, P,
// count, packet type, length in 32-bit words minus one.
Fault end_packet(Writer& w, std::size_t start, std::uint8_t type, std::size_t count, std::uint8_t padding) {
  if ((w.position() - start + padding) % 4 != 0) return {Errc::not_word_aligned, "RTCP packet"};
  if (padding != 0) {
    w.zeros(padding - 1u);
    w.u8(padding);
  }
  const std::size_t words = (w.position() - start) / 4 - 1;
  if (words > 0xFFFF) return {Errc::too_long, "RTCP packet over 65536 words"};
  w.patch8(start, static_cast<std::uint8_t>(0x80 | (padding != 0 ? 0x20 : 0) | count));
  w.patch8(start + 1, type);
  w.patch16(start + 2, static_cast<std::uint16_t>(words));
  return {};
}

Fault write_reports(Writer& w, RtcpType type, std::uint32_t ssrc, const SenderInfo* sender,
                    std::span<const ReportBlock> reports, ByteView extension, std::uint8_t padding) {
  if (reports.size() > max_count) return {Errc::too_many_items, "more than 31 report blocks"};
  const std::size_t start = begin_packet(w);
  w.u32(ssrc);
  if (sender != nullptr) {
    w.u32(static_cast<std::uint32_t>(sender->ntp_timestamp >> 32));
    w.u32(static_cast<std::uint32_t>(sender->ntp_timestamp));
    w.u32(sender->rtp_timestamp);
    w.u32(sender->packet_count);
    w.u32(sender->octet_count);
  }
  for (const ReportBlock& b : reports) {
    if (b.cumulative_lost < ReportBlock::min_cumulative_lost || b.cumulative_lost > ReportBlock::max_cumulative_lost)
      return {Errc::value_out_of_range, "cumulative lost outside 24 bits"};
    w.u32(b.ssrc);
    w.u32((std::uint32_t{b.fraction_lost} << 24) | (static_cast<std::uint32_t>(b.cumulative_lost) & 0xFFFFFF));
    w.u32(b.extended_highest_sequence);
    w.u32(b.jitter);
    w.u32(b.last_sr);
    w.u32(b.delay_since_last_sr);
  }
  w.bytes(extension);
  return end_packet(w, start, static_cast<std::uint8_t>(type), reports.size(), padding);
}

Fault write_chunk(Writer& w, std::uint32_t ssrc, std::span<const SdesItem> items) {
  const std::size_t start = w.position();
  w.u32(ssrc);
  for (const SdesItem& item : items) {
    if (item.type == SdesType::end) return {Errc::value_out_of_range, "SDES item of type END"};
    if (item.text.size() > 255) return {Errc::too_long, "SDES item over 255 bytes"};
    w.u8(static_cast<std::uint8_t>(item.type));
    w.u8(static_cast<std::uint8_t>(item.text.size()));
    w.bytes({reinterpret_cast<const std::uint8_t*>(item.text.data()), item.text.size()});
  }
  w.u8(0);
  w.zeros((4 - (w.position() - start) % 4) % 4);
  return {};
}

Fault write_bye(Writer& w, std::span<const std::uint32_t> sources, std::optional<std::string_view> reason,
                std::uint8_t padding) {
  if (sources.size() > max_count) return {Errc::too_many_items, "more than 31 BYE sources"};
  const std::size_t start = begin_packet(w);
  for (const std::uint32_t s : sources) w.u32(s);
  if (reason) {
    if (reason->size() > 255) return {Errc::too_long, "BYE reason over 255 bytes"};
    w.u8(static_cast<std::uint8_t>(reason->size()));
    w.bytes({reinterpret_cast<const std::uint8_t*>(reason->data()), reason->size()});
    w.zeros((4 - (w.position() - start) % 4) % 4);
  }
  return end_packet(w, start, static_cast<std::uint8_t>(RtcpType::bye), sources.size(), padding);
}

// Writes one packet of a compound; each alternative of RtcpPacket has its
// own overload.
struct PacketWriter {
  Writer& w;
  std::uint8_t padding;

  Fault operator()(const SenderReport& sr) const {
    return write_reports(w, RtcpType::sr, sr.ssrc, &sr.sender, sr.reports, sr.profile_extension, padding);
  }
  Fault operator()(const ReceiverReport& rr) const {
    return write_reports(w, RtcpType::rr, rr.ssrc, nullptr, rr.reports, rr.profile_extension, padding);
  }
  Fault operator()(const SourceDescription& sdes) const {
    if (sdes.chunks.size() > max_count) return {Errc::too_many_items, "more than 31 SDES chunks"};
    const std::size_t start = begin_packet(w);
    for (const SdesChunk& chunk : sdes.chunks)
      if (const Fault f = write_chunk(w, chunk.ssrc, chunk.items)) return f;
    return end_packet(w, start, static_cast<std::uint8_t>(RtcpType::sdes), sdes.chunks.size(), padding);
  }
  Fault operator()(const Bye& bye) const { return write_bye(w, bye.sources, bye.reason, padding); }
  Fault operator()(const App& app) const {
    if (app.subtype > max_count) return {Errc::value_out_of_range, "APP subtype over 31"};
    const std::size_t start = begin_packet(w);
    w.u32(app.ssrc);
    w.bytes({reinterpret_cast<const std::uint8_t*>(app.name.data()), app.name.size()});
    w.bytes(app.data);
    return end_packet(w, start, static_cast<std::uint8_t>(RtcpType::app), app.subtype, padding);
  }
  Fault operator()(const OpaquePacket& opaque) const {
    if (opaque.count > max_count) return {Errc::value_out_of_range, "count over 31"};
    if (opaque.packet_type >= static_cast<std::uint8_t>(RtcpType::sr) &&
        opaque.packet_type <= static_cast<std::uint8_t>(RtcpType::app))
      return {Errc::value_out_of_range, "opaque packet of a type the parser decodes"};
    const std::size_t start = begin_packet(w);
    w.bytes(opaque.body);
    return end_packet(w, start, opaque.packet_type, opaque.count, padding);
  }
};

WriteResult finish(const Writer& w, Fault fault) {
  if (fault) return {0, fault.code, fault.detail};
  if (w.overflowed()) return {w.position(), Errc::buffer_too_small, ""};
  return {w.position(), Errc::ok, ""};
}

}  // namespace

bool is_rtcp(std::span<const std::uint8_t> bytes) { return bytes.size() >= 2 && bytes[1] >= 192 && bytes[1] <= 223; }

Error parse(std::span<const std::uint8_t> bytes, Compound& out) {
  out.packets.clear();
  out.padding = 0;
  if (bytes.empty()) return {Errc::truncated, 0, "empty compound"};
  for (std::size_t pos = 0; pos < bytes.size();) {
    // §6.4.1: V(2) P(1) count(5) | packet type(8) | length(16), in 32-bit words minus one
    if (bytes.size() - pos < 4) return {Errc::truncated, at(pos, 0), "common header cut short"};
    if (bytes[pos] >> 6 != 2) return {Errc::bad_version, at(pos, 0), ""};
    const bool padded = (bytes[pos] & 0x20) != 0;
    const std::size_t count = bytes[pos] & 0x1F;
    const std::uint8_t type = bytes[pos + 1];
    const std::size_t length = (load16(&bytes[pos + 2]) + 1u) * 4;
    // A.2: the first packet is an SR or an RR.
    if (pos == 0 && type != static_cast<std::uint8_t>(RtcpType::sr) && type != static_cast<std::uint8_t>(RtcpType::rr))
      return {Errc::first_not_report, 1, ""};
    // A.2: the lengths add up to the compound's length.
    if (bytes.size() - pos < length) return {Errc::truncated, at(pos, 2), "packet longer than the compound"};
    const bool last = bytes.size() - pos == length;
    ByteView body = bytes.subspan(pos + 4, length - 4);
    if (padded) {
      // A.2: padding only on the last packet. §6.4.1: its last octet counts
      // the padding, itself included.
      if (!last) return {Errc::padding_not_last, at(pos, 0), ""};
      const std::uint8_t padding = bytes.back();
      if (padding == 0) return {Errc::bad_padding, at(bytes.size() - 1, 0), "padding count 0"};
      if (padding > body.size())
        return {Errc::bad_padding, at(bytes.size() - 1, 0), "padding count reaches into the header"};
      body = body.first(body.size() - padding);
      out.padding = padding;
    }
    const std::size_t base = pos + 4;
    Error e;
    switch (type) {
      case static_cast<std::uint8_t>(RtcpType::sr): e = decode<SenderReport>(body, count, base, out, read_sr); break;
      case static_cast<std::uint8_t>(RtcpType::rr): e = decode<ReceiverReport>(body, count, base, out, read_rr); break;
      case static_cast<std::uint8_t>(RtcpType::sdes):
        e = decode<SourceDescription>(body, count, base, out, read_sdes);
        break;
      case static_cast<std::uint8_t>(RtcpType::bye): e = decode<Bye>(body, count, base, out, read_bye); break;
      case static_cast<std::uint8_t>(RtcpType::app): e = decode<App>(body, count, base, out, read_app); break;
      default:
        out.packets.emplace_back(OpaquePacket{type, static_cast<std::uint8_t>(count), body});
        break;
    }
    if (e) return e;
    pos += length;
  }
  return {};
}

WriteResult serialize(const Compound& compound, std::span<std::uint8_t> out) {
  // A.2: what the parser would reject is not written either.
  if (compound.packets.empty()) return {0, Errc::first_not_report, "empty compound"};
  if (!std::holds_alternative<SenderReport>(compound.packets.front()) &&
      !std::holds_alternative<ReceiverReport>(compound.packets.front()))
    return {0, Errc::first_not_report, ""};
  Writer w(out);
  for (std::size_t i = 0; i < compound.packets.size(); ++i) {
    const std::uint8_t padding = i + 1 == compound.packets.size() ? compound.padding : 0;
    if (const Fault f = std::visit(PacketWriter{w, padding}, compound.packets[i])) return finish(w, f);
  }
  return finish(w, {});
}

WriteResult write_report(const ReportSpec& spec, std::span<std::uint8_t> out) {
  Writer w(out);
  const std::span<const ReportBlock> first = spec.reports.first(std::min(spec.reports.size(), max_count));
  const RtcpType type = spec.sender ? RtcpType::sr : RtcpType::rr;
  const SenderInfo* sender = spec.sender ? &*spec.sender : nullptr;
  if (const Fault f = write_reports(w, type, spec.ssrc, sender, first, {}, 0)) return finish(w, f);
  // §6.4.2: more than 31 sources heard: further RR packets follow.
  for (std::size_t i = first.size(); i < spec.reports.size(); i += max_count) {
    const auto more = spec.reports.subspan(i, std::min(max_count, spec.reports.size() - i));
    if (const Fault f = write_reports(w, RtcpType::rr, spec.ssrc, nullptr, more, {}, 0)) return finish(w, f);
  }
  // §6.5.1: the CNAME in every compound.
  const SdesItem cname{SdesType::cname, spec.cname};
  const std::size_t start = begin_packet(w);
  if (const Fault f = write_chunk(w, spec.ssrc, {&cname, 1})) return finish(w, f);
  if (const Fault f = end_packet(w, start, static_cast<std::uint8_t>(RtcpType::sdes), 1, 0)) return finish(w, f);
  if (spec.bye) {
    std::optional<std::string_view> reason;
    if (!spec.bye_reason.empty()) reason = spec.bye_reason;
    if (const Fault f = write_bye(w, {&spec.ssrc, 1}, reason, 0)) return finish(w, f);
  }
  return finish(w, {});
}

}  // namespace cosip::rtp
