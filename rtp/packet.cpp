#include "rtp/packet.hpp"

#include "rtp/detail/wire.hpp"

namespace cosip::rtp {

namespace {

using detail::load16;
using detail::load32;

constexpr std::size_t fixed_header_size = 12;  // §5.1

// One step of the RFC 8285 element walk from `pos`.
struct Step {
  enum class Kind : std::uint8_t { element, end, malformed };
  Kind kind = Kind::end;
  ExtensionElement element;
  std::size_t next = 0;  // where the following step starts
  std::size_t at = 0;    // malformed: the element's first byte
  const char* detail = "";
};

Step step(ExtensionForm form, ByteView data, std::size_t pos) {
  Step s;
  if (form == ExtensionForm::generic) return s;
  // §4.1: padding bytes (0) may come between and after elements.
  while (pos < data.size() && data[pos] == 0) ++pos;
  if (pos == data.size()) return s;
  s.at = pos;
  std::size_t id = 0;
  std::size_t length = 0;
  std::size_t head = 0;
  if (form == ExtensionForm::one_byte) {
    id = data[pos] >> 4;
    length = (data[pos] & 0x0F) + 1u;  // §4.2: the length field is one less than the data
    head = 1;
    // §4.2: ID 15 is reserved; §4.1.2: ID 0 (padding) must have no length.
    // Either ends the walk, the bytes after it ignored.
    if (id == 15 || id == 0) return s;
  } else {
    if (data.size() - pos < 2) {
      s.kind = Step::Kind::malformed;
      s.detail = "two-byte element header cut short";
      return s;
    }
    id = data[pos];
    length = data[pos + 1];  // §4.3: the data length itself; 0 is allowed
    head = 2;
  }
  if (length > data.size() - pos - head) {
    s.kind = Step::Kind::malformed;
    s.detail = "element overruns the extension";
    return s;
  }
  s.kind = Step::Kind::element;
  s.element.id = static_cast<std::uint8_t>(id);
  s.element.data = data.subspan(pos + head, length);
  s.next = pos + head + length;
  return s;
}

bool reserved_payload_type(std::uint8_t pt, bool rtcp_mux) {
  if (rtcp_mux) return pt >= 64 && pt <= 95;  // RFC 5761 §4
  return pt >= 72 && pt <= 76;                // RFC 3551 §6, RFC 3550 A.1
}

}  // namespace

ExtensionForm HeaderExtension::form() const {
  if (profile == one_byte_profile) return ExtensionForm::one_byte;
  if ((profile & 0xFFF0) == two_byte_profile) return ExtensionForm::two_byte;
  return ExtensionForm::generic;
}

void ExtensionElements::iterator::advance() {
  const Step s = step(form_, data_, next_);
  done_ = s.kind != Step::Kind::element;
  if (done_) return;
  current_ = s.element;
  next_ = s.next;
}

Error check_elements(const HeaderExtension& ext) {
  const ExtensionForm form = ext.form();
  for (std::size_t pos = 0;;) {
    const Step s = step(form, ext.data, pos);
    if (s.kind == Step::Kind::end) return {};
    if (s.kind == Step::Kind::malformed) return {Errc::bad_extension_element, static_cast<std::uint32_t>(s.at), s.detail};
    pos = s.next;
  }
}

WriteResult write_elements(ExtensionForm form, std::span<const ExtensionElement> elements,
                           std::span<std::uint8_t> out) {
  if (form == ExtensionForm::generic) return {0, Errc::value_out_of_range, "a generic extension has no elements"};
  detail::Writer w(out);
  for (const ExtensionElement& e : elements) {
    if (form == ExtensionForm::one_byte) {
      if (e.id < 1 || e.id > 14) return {0, Errc::value_out_of_range, "one-byte element ID outside 1-14"};
      if (e.data.empty() || e.data.size() > 16)
        return {0, Errc::value_out_of_range, "one-byte element data outside 1-16 bytes"};
      w.u8(static_cast<std::uint8_t>((e.id << 4) | (e.data.size() - 1)));
    } else {
      if (e.id == 0) return {0, Errc::value_out_of_range, "two-byte element ID 0"};
      if (e.data.size() > 255) return {0, Errc::too_long, "two-byte element data over 255 bytes"};
      w.u8(e.id);
      w.u8(static_cast<std::uint8_t>(e.data.size()));
    }
    w.bytes(e.data);
  }
  w.zeros((4 - w.position() % 4) % 4);
  if (w.position() / 4 > 0xFFFF) return {0, Errc::too_long, "extension over 65535 words"};
  if (w.overflowed()) return {w.position(), Errc::buffer_too_small, ""};
  return {w.position(), Errc::ok, ""};
}

std::size_t Packet::header_size() const {
  return fixed_header_size + 4u * csrc_count + (extension ? 4 + extension->data.size() : 0);
}

bool operator==(const Packet& a, const Packet& b) {
  return a.marker == b.marker && a.payload_type == b.payload_type && a.sequence == b.sequence &&
         a.timestamp == b.timestamp && a.ssrc == b.ssrc && std::ranges::equal(a.csrcs(), b.csrcs()) &&
         a.extension == b.extension && a.payload == b.payload && a.padding == b.padding;
}

Error parse(std::span<const std::uint8_t> bytes, Packet& out, const ParseOptions& options) {
  // §5.1: V(2) P(1) X(1) CC(4) | M(1) PT(7) | sequence(16) | timestamp(32) | SSRC(32)
  if (bytes.size() < fixed_header_size) return {Errc::truncated, 0, "shorter than the 12-byte fixed header"};
  if (bytes[0] >> 6 != Packet::version) return {Errc::bad_version, 0, ""};
  const bool padded = (bytes[0] & 0x20) != 0;
  const bool extended = (bytes[0] & 0x10) != 0;
  out.csrc_count = bytes[0] & 0x0F;
  out.marker = (bytes[1] & 0x80) != 0;
  out.payload_type = bytes[1] & 0x7F;
  if (reserved_payload_type(out.payload_type, options.rtcp_mux))
    return {Errc::reserved_payload_type, 1,
            options.rtcp_mux ? "64-95 collide with RTCP on a muxed port" : "72-76 collide with RTCP"};
  out.sequence = load16(&bytes[2]);
  out.timestamp = load32(&bytes[4]);
  out.ssrc = load32(&bytes[8]);

  std::size_t pos = fixed_header_size;
  if (bytes.size() - pos < 4u * out.csrc_count)
    return {Errc::truncated, static_cast<std::uint32_t>(pos), "CSRC list cut short"};
  for (std::size_t i = 0; i < out.csrc_count; ++i, pos += 4) out.csrc[i] = load32(&bytes[pos]);

  out.extension.reset();
  if (extended) {
    // §5.3.1: defined by profile(16) | length(16) in 32-bit words | data
    if (bytes.size() - pos < 4) return {Errc::truncated, static_cast<std::uint32_t>(pos), "extension header cut short"};
    HeaderExtension ext;
    ext.profile = load16(&bytes[pos]);
    const std::size_t length = 4u * load16(&bytes[pos + 2]);
    pos += 4;
    if (bytes.size() - pos < length)
      return {Errc::truncated, static_cast<std::uint32_t>(pos - 2), "extension longer than the packet"};
    ext.data = bytes.subspan(pos, length);
    if (const Error e = check_elements(ext)) return {e.code, static_cast<std::uint32_t>(pos + e.offset), e.detail};
    out.extension = ext;
    pos += length;
  }

  std::size_t end = bytes.size();
  out.padding = 0;
  if (padded) {
    // §5.1 and A.1: the last octet counts the padding, itself included, and
    // must lie after the header. A padding-only packet (empty payload, as
    // sent for bandwidth probing) is accepted.
    const std::uint8_t count = bytes[end - 1];
    if (count == 0) return {Errc::bad_padding, static_cast<std::uint32_t>(end - 1), "padding count 0"};
    if (count > end - pos)
      return {Errc::bad_padding, static_cast<std::uint32_t>(end - 1), "padding count reaches into the header"};
    out.padding = count;
    end -= count;
  }
  out.payload = bytes.subspan(pos, end - pos);
  return {};
}

WriteResult serialize(const Packet& packet, std::span<std::uint8_t> out) {
  if (packet.payload_type > 127) return {0, Errc::value_out_of_range, "payload type above 127"};
  if (reserved_payload_type(packet.payload_type, false)) return {0, Errc::reserved_payload_type, "72-76"};
  if (packet.csrc_count > Packet::max_csrcs) return {0, Errc::too_many_items, "more than 15 CSRCs"};
  if (packet.extension) {
    if (packet.extension->data.size() % 4 != 0) return {0, Errc::not_word_aligned, "header extension data"};
    if (packet.extension->data.size() / 4 > 0xFFFF) return {0, Errc::too_long, "header extension over 65535 words"};
  }
  const std::size_t size = packet.size();
  if (size > out.size()) return {size, Errc::buffer_too_small, ""};

  detail::Writer w(out);
  w.u8(static_cast<std::uint8_t>(0x80 | (packet.has_padding() ? 0x20 : 0) | (packet.extension ? 0x10 : 0) |
                                 packet.csrc_count));
  w.u8(static_cast<std::uint8_t>((packet.marker ? 0x80 : 0) | packet.payload_type));
  w.u16(packet.sequence);
  w.u32(packet.timestamp);
  w.u32(packet.ssrc);
  for (const std::uint32_t c : packet.csrcs()) w.u32(c);
  if (packet.extension) {
    w.u16(packet.extension->profile);
    w.u16(static_cast<std::uint16_t>(packet.extension->data.size() / 4));
    w.bytes(packet.extension->data);
  }
  w.bytes(packet.payload);
  if (packet.has_padding()) {
    w.zeros(packet.padding - 1u);
    w.u8(packet.padding);
  }
  return {w.position(), Errc::ok, ""};
}

}  // namespace cosip::rtp
