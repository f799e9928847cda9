// Errors of the RTP/RTCP packet layer. Parsers never throw: parse() returns
// an Error that says what is wrong and at which byte of the input. Writers
// into a caller's buffer return a WriteResult: the size written, or what
// stopped them (for a short buffer, the size that would have been needed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cosip::rtp {

enum class Errc : std::uint8_t {
  ok = 0,
  // Parsing (RFC 3550 §5, §6 and the checks of Appendix A.1 and A.2).
  truncated,              // the input ends before what a header, count or length announces
  bad_version,            // V is not 2
  bad_padding,            // P set, but the count octet is 0 or larger than what follows the header
  reserved_payload_type,  // 72-76 (RFC 3551 §6), or 64-95 under rtcp-mux (RFC 5761 §4)
  bad_extension_element,  // an RFC 8285 element overruns the extension
  first_not_report,       // the first packet of a compound is neither SR nor RR (A.2)
  padding_not_last,       // P set on a packet other than the last of a compound (A.2)
  bad_report_count,       // the report blocks announced do not fit in the SR or RR
  bad_sdes,               // SDES chunks or items do not fill the packet as announced
  bad_bye,                // BYE sources or reason do not fill the packet as announced
  bad_app,                // APP shorter than its SSRC and name
  // Writing.
  buffer_too_small,
  too_many_items,         // more than 15 CSRCs, or more than 31 blocks, chunks or sources
  too_long,               // a text over 255 bytes, an extension or packet over 65535 words
  not_word_aligned,       // data that must fill whole 32-bit words does not
  value_out_of_range,     // a field value its wire field cannot carry
};

std::string_view to_string(Errc code);

struct Error {
  Errc code = Errc::ok;
  std::uint32_t offset = 0;  // byte of the input where the fault lies
  const char* detail = "";   // static text: what exactly is wrong

  explicit operator bool() const { return code != Errc::ok; }
  // "malformed SDES packet: item overruns the packet at byte 36"
  std::string message() const;
};

struct WriteResult {
  std::size_t size = 0;  // bytes written; with buffer_too_small, the bytes needed
  Errc code = Errc::ok;
  const char* detail = "";  // static text: which value could not be written

  bool ok() const { return code == Errc::ok; }
  // "buffer too small: 172 bytes needed"
  std::string message() const;
};

}  // namespace cosip::rtp
