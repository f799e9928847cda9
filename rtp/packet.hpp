// RTP data packets (RFC 3550 §5): the decoded header, its parser and its
// serializer, and the header extension elements of RFC 8285.
//
// Flow: parse() reads the 12-byte fixed header, the CSRC list (CC entries),
// the header extension when X is set (§5.3.1: profile, length in 32-bit
// words, data), then strips the padding when P is set (§5.1: the last octet
// counts the padding octets, itself included). What is left is the payload.
// The checks are those of RFC 3550 Appendix A.1 that a single packet allows:
// version 2, padding within the packet, lengths consistent, and no payload
// type that could be mistaken for RTCP (see ParseOptions). With an RFC 8285
// extension (profile 0xBEDE or 0x100X) every element is checked to lie within
// the extension, so iterating a parsed packet's elements never stops early.
//
// A Packet is a value of decoded fields whose payload and extension data are
// views into the parsed bytes: it must not outlive them. Parsing allocates
// nothing. serialize() writes a Packet into a caller's buffer.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>

#include "rtp/error.hpp"

namespace cosip::rtp {

// A view of bytes inside a packet. Two views are equal when their bytes
// are, wherever they lie: packets compare by content.
struct ByteView : std::span<const std::uint8_t> {
  using std::span<const std::uint8_t>::span;
  ByteView() = default;
  ByteView(std::span<const std::uint8_t> s) : std::span<const std::uint8_t>(s) {}  // NOLINT: implicit by design

  friend bool operator==(ByteView a, ByteView b) { return std::ranges::equal(a, b); }
};

// RFC 8285 §4.2 and §4.3: the "defined by profile" values that announce
// one-byte and two-byte elements (the low 4 bits of the latter are
// "appbits", free for the application).
inline constexpr std::uint16_t one_byte_profile = 0xBEDE;
inline constexpr std::uint16_t two_byte_profile = 0x1000;

enum class ExtensionForm : std::uint8_t {
  generic,   // RFC 3550 §5.3.1 only: the data is the profile's business
  one_byte,  // RFC 8285 §4.2
  two_byte,  // RFC 8285 §4.3
};

// The header extension of RFC 3550 §5.3.1. The data is a whole number of
// 32-bit words (the length field counts them, the 4-byte head excluded).
struct HeaderExtension {
  std::uint16_t profile = 0;
  ByteView data;

  ExtensionForm form() const;
  std::uint8_t appbits() const { return static_cast<std::uint8_t>(profile & 0x0F); }  // two-byte form only
  bool operator==(const HeaderExtension&) const = default;
};

// One element of an RFC 8285 extension.
struct ExtensionElement {
  std::uint8_t id = 0;  // 1-14 in the one-byte form, 1-255 in the two-byte form
  ByteView data;        // 1-16 bytes (one-byte form), 0-255 bytes (two-byte form)
  bool operator==(const ExtensionElement&) const = default;
};

// The elements of an extension, in order, padding bytes skipped (RFC 8285
// §4.1). In the one-byte form an ID of 15 (§4.2), or an ID of 0 with a
// nonzero length (§4.1.2), ends the walk, the bytes after it ignored. A
// generic extension has no elements. An element overrunning the data
// (which parse() refuses) ends the walk too.
class ExtensionElements {
 public:
  class iterator {
   public:
    using value_type = ExtensionElement;
    using difference_type = std::ptrdiff_t;

    iterator() = default;
    const ExtensionElement& operator*() const { return current_; }
    const ExtensionElement* operator->() const { return &current_; }
    iterator& operator++() {
      advance();
      return *this;
    }
    iterator operator++(int) {
      iterator old = *this;
      advance();
      return old;
    }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return it.done_; }

   private:
    friend class ExtensionElements;
    iterator(ExtensionForm form, ByteView data) : form_(form), data_(data) { advance(); }
    void advance();

    ExtensionForm form_ = ExtensionForm::generic;
    ByteView data_;
    std::size_t next_ = 0;
    ExtensionElement current_;
    bool done_ = true;
  };

  explicit ExtensionElements(const HeaderExtension& ext) : form_(ext.form()), data_(ext.data) {}
  iterator begin() const { return {form_, data_}; }
  std::default_sentinel_t end() const { return {}; }

 private:
  ExtensionForm form_;
  ByteView data_;
};

inline ExtensionElements elements(const HeaderExtension& ext) { return ExtensionElements(ext); }

// Checks that the RFC 8285 elements of `ext` lie within its data; the
// offset of a fault is relative to the start of the data.
Error check_elements(const HeaderExtension& ext);

// Writes RFC 8285 elements of the given form (not generic), then zero
// padding up to a 32-bit boundary: the result is the data of a
// HeaderExtension with profile one_byte_profile or two_byte_profile.
WriteResult write_elements(ExtensionForm form, std::span<const ExtensionElement> elements,
                           std::span<std::uint8_t> out);

struct Packet {
  static constexpr std::uint8_t version = 2;  // the only version parse() accepts (§5.1)
  static constexpr std::size_t max_csrcs = 15;

  bool marker = false;
  std::uint8_t payload_type = 0;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  std::uint8_t csrc_count = 0;  // CC: how many of `csrc` are in use
  std::array<std::uint32_t, max_csrcs> csrc{};
  std::optional<HeaderExtension> extension;  // X bit
  ByteView payload;
  // Padding octets after the payload, the count octet included: 0 when the
  // P bit is clear, else 1-255. Their content is not kept (the writer
  // writes zeros, then the count).
  std::uint8_t padding = 0;

  bool has_padding() const { return padding != 0; }
  std::span<const std::uint32_t> csrcs() const { return {csrc.data(), csrc_count}; }
  // Bytes before the payload: fixed header, CSRC list, extension.
  std::size_t header_size() const;
  // The whole packet as serialize() writes it.
  std::size_t size() const { return header_size() + payload.size() + padding; }

  // CSRCs past csrc_count do not matter.
  friend bool operator==(const Packet& a, const Packet& b);
};

struct ParseOptions {
  // RTP and RTCP share the port (RFC 5761). RFC 5761 §4: an RTP packet whose
  // marker bit is set and payload type lies in 64-95 has the second byte of
  // an RTCP packet (192-223), so payload types 64-95 MUST NOT be used on a
  // muxed session; the parser rejects them. Without mux it rejects only 72-76,
  // which RFC 3551 §6 reserves so that an RTP packet is never read as an
  // SR (200) ... APP (204) (RFC 3550 A.1: the payload type must not be SR or RR).
  bool rtcp_mux = false;
};

// Parses one RTP packet, the whole of `bytes`. On error `out` is left partly
// filled.
Error parse(std::span<const std::uint8_t> bytes, Packet& out, const ParseOptions& options = {});

// Writes `packet` at the start of `out`. The payload may already lie inside
// `out` (after room left for the header): it is moved, not copied.
WriteResult serialize(const Packet& packet, std::span<std::uint8_t> out);

}  // namespace cosip::rtp
