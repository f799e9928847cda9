#include "sip/ua/ids.hpp"

namespace cosip::sip {

IdGenerator::IdGenerator() {
  std::random_device device;
  rng_.seed((static_cast<std::uint64_t>(device()) << 32) ^ device());
}

std::string IdGenerator::hex(int bits) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(static_cast<std::size_t>(bits / 4));
  while (bits > 0) {
    std::uint64_t v = rng_();
    for (int i = 0; i < 16 && bits > 0; ++i, bits -= 4) {
      s += digits[v & 0xf];
      v >>= 4;
    }
  }
  return s;
}

}  // namespace cosip::sip
