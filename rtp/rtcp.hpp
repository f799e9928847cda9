// RTCP compound packets (RFC 3550 §6): parser, serializer, a builder for
// the reports a session sends, and the RFC 5761 demultiplexing test.
//
// Flow: parse() walks the compound one packet at a time: the 4-byte common
// header (V P count PT length, §6.4.1), then a body of `length` 32-bit words.
// SR, RR, SDES, BYE and APP (§6.4-§6.7) are decoded; any other packet type
// (RTPFB, PSFB, XR, ...) is kept whole as an OpaquePacket. The checks are
// those of RFC 3550 Appendix A.2: version 2 on every packet, SR or RR first,
// padding only on the last packet (a lone SR or RR is its own last packet),
// and packet lengths that add up exactly to the compound's. Each body must
// be filled exactly by what its count announces (report blocks plus any
// profile extension for SR/RR, chunks and their null-octet terminators for
// SDES, sources and the reason for BYE). Not checked: that a CNAME is
// present (§6.1 asks senders for it; A.2 does not test it). Reduced-size
// RTCP (RFC 5506, no report first) is refused.
//
// Texts and opaque data are views into the parsed bytes; the compound must
// not outlive them. The vectors of a compound are its only allocations.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "rtp/error.hpp"
#include "rtp/packet.hpp"

namespace cosip::rtp {

// §12.1
enum class RtcpType : std::uint8_t { sr = 200, rr = 201, sdes = 202, bye = 203, app = 204 };

// RFC 5761 §4: on a port shared by RTP and RTCP, a packet whose second byte
// is 192-223 is RTCP (an RTCP packet type; as RTP it would be M=1 with
// payload type 64-95, which a muxed session must not use). The caller has
// already told RTP/RTCP apart from STUN and DTLS (RFC 7983: first byte
// 128-191).
bool is_rtcp(std::span<const std::uint8_t> bytes);

// §6.4.1: NTP timestamp, RTP timestamp and sender's counts of an SR.
struct SenderInfo {
  std::uint64_t ntp_timestamp = 0;  // 32.32 fixed point seconds since 1900
  std::uint32_t rtp_timestamp = 0;
  std::uint32_t packet_count = 0;
  std::uint32_t octet_count = 0;
  bool operator==(const SenderInfo&) const = default;
};

// §6.4.1: one reception report block.
struct ReportBlock {
  static constexpr std::int32_t min_cumulative_lost = -(1 << 23);
  static constexpr std::int32_t max_cumulative_lost = (1 << 23) - 1;

  std::uint32_t ssrc = 0;                       // SSRC_n, the source reported on
  std::uint8_t fraction_lost = 0;               // fixed point, /256
  std::int32_t cumulative_lost = 0;             // signed 24 bits (duplicates make it negative)
  std::uint32_t extended_highest_sequence = 0;  // cycles << 16 | highest sequence
  std::uint32_t jitter = 0;                     // interarrival jitter, timestamp units
  std::uint32_t last_sr = 0;                    // LSR: middle 32 bits of the last SR's NTP time
  std::uint32_t delay_since_last_sr = 0;        // DLSR, units of 1/65536 s
  bool operator==(const ReportBlock&) const = default;
};

// §6.4.1 (PT 200). `profile_extension` is whatever follows the report blocks.
struct SenderReport {
  std::uint32_t ssrc = 0;
  SenderInfo sender;
  std::vector<ReportBlock> reports;  // at most 31 per packet
  ByteView profile_extension;
  bool operator==(const SenderReport&) const = default;
};

// §6.4.2 (PT 201).
struct ReceiverReport {
  std::uint32_t ssrc = 0;
  std::vector<ReportBlock> reports;  // at most 31 per packet
  ByteView profile_extension;
  bool operator==(const ReceiverReport&) const = default;
};

// §6.5 item types. Values past priv are kept as they come.
enum class SdesType : std::uint8_t { end = 0, cname = 1, name, email, phone, loc, tool, note, priv };

struct SdesItem {
  SdesType type = SdesType::cname;
  // Up to 255 bytes, UTF-8 by §6.5 (not checked). A PRIV item (§6.5.8)
  // keeps its prefix length, prefix and value together here.
  std::string_view text;
  bool operator==(const SdesItem&) const = default;
};

struct SdesChunk {
  std::uint32_t ssrc = 0;  // SSRC or CSRC
  std::vector<SdesItem> items;
  bool operator==(const SdesChunk&) const = default;
};

// §6.5 (PT 202).
struct SourceDescription {
  std::vector<SdesChunk> chunks;  // at most 31
  bool operator==(const SourceDescription&) const = default;
};

// §6.6 (PT 203).
struct Bye {
  std::vector<std::uint32_t> sources;  // at most 31
  std::optional<std::string_view> reason;
  bool operator==(const Bye&) const = default;
};

// §6.7 (PT 204).
struct App {
  std::uint8_t subtype = 0;  // 5 bits
  std::uint32_t ssrc = 0;
  std::array<char, 4> name{};
  ByteView data;  // a whole number of 32-bit words
  bool operator==(const App&) const = default;
};

// Any other packet type, kept as received.
struct OpaquePacket {
  std::uint8_t packet_type = 0;
  std::uint8_t count = 0;  // the 5 bits after P
  ByteView body;           // after the 4-byte common header
  bool operator==(const OpaquePacket&) const = default;
};

using RtcpPacket = std::variant<SenderReport, ReceiverReport, SourceDescription, Bye, App, OpaquePacket>;

struct Compound {
  std::vector<RtcpPacket> packets;
  // Padding octets at the end of the last packet, its count octet included
  // (0: no P bit). Their content is not kept.
  std::uint8_t padding = 0;
  bool operator==(const Compound&) const = default;
};

// Parses one compound packet, the whole of `bytes`. On error `out` is left
// partly filled.
Error parse(std::span<const std::uint8_t> bytes, Compound& out);

// Writes `compound` into `out`. It must start with an SR or RR and every
// packet must fill whole 32-bit words (the last one with its padding).
WriteResult serialize(const Compound& compound, std::span<std::uint8_t> out);

// What an RTP session sends at each report interval (§6.1: every compound
// carries a report and an SDES CNAME; BYE, when leaving, comes last).
struct ReportSpec {
  std::uint32_t ssrc = 0;
  std::optional<SenderInfo> sender;  // SR when set, else RR
  // Any number: past the first 31, further RR packets carry them (§6.4.2).
  std::span<const ReportBlock> reports;
  std::string_view cname;
  bool bye = false;            // end with a BYE for `ssrc` (§6.6)
  std::string_view bye_reason;  // "": the BYE has no reason field
};

// Writes SR or RR (plus RRs for the overflowing blocks), SDES with the CNAME
// of `ssrc`, and the BYE when asked, into `out`, allocating nothing.
WriteResult write_report(const ReportSpec& spec, std::span<std::uint8_t> out);

}  // namespace cosip::rtp
