// Network byte order (RFC 3550 §5: big-endian) reads and a bounded writer,
// shared by the RTP and RTCP codecs. Internal to rtp/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace cosip::rtp::detail {

inline std::uint16_t load16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

inline std::uint32_t load32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

// Appends to a caller's buffer. Writes past its end are dropped but still
// counted, so that position() at the end is the size a whole write needs.
class Writer {
 public:
  explicit Writer(std::span<std::uint8_t> out) : out_(out) {}

  std::size_t position() const { return pos_; }
  bool overflowed() const { return pos_ > out_.size(); }

  void u8(std::uint8_t v) {
    if (pos_ < out_.size()) out_[pos_] = v;
    ++pos_;
  }
  void u16(std::uint16_t v) {
    u8(static_cast<std::uint8_t>(v >> 8));
    u8(static_cast<std::uint8_t>(v));
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v >> 16));
    u16(static_cast<std::uint16_t>(v));
  }
  // memmove: the bytes may already lie in the buffer (a payload placed
  // after room left for the header).
  void bytes(std::span<const std::uint8_t> b) {
    if (pos_ + b.size() <= out_.size() && !b.empty()) std::memmove(out_.data() + pos_, b.data(), b.size());
    pos_ += b.size();
  }
  void zeros(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) u8(0);
  }
  // Overwrites a byte written earlier (a header completed once its
  // content is known).
  void patch8(std::size_t at, std::uint8_t v) {
    if (at < out_.size()) out_[at] = v;
  }
  void patch16(std::size_t at, std::uint16_t v) {
    patch8(at, static_cast<std::uint8_t>(v >> 8));
    patch8(at + 1, static_cast<std::uint8_t>(v));
  }

 private:
  std::span<std::uint8_t> out_;
  std::size_t pos_ = 0;
};

}  // namespace cosip::rtp::detail
