// Fresh identifiers for outgoing messages: tags (§19.3, at least 32 bits of
// randomness), Via branches with the magic cookie (§8.1.1.7) and Call-IDs
// (§8.1.1.4), and the random numbers extensions ask for. One generator per
// UA; not thread-safe, like the UA itself.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace cosip::sip {

class IdGenerator {
 public:
  IdGenerator();                                  // seeded from the OS
  explicit IdGenerator(std::uint64_t seed) : rng_(seed) {}

  std::string tag() { return hex(64); }
  std::string branch() { return "z9hG4bK" + hex(64); }
  std::string call_id(std::string_view host) { return hex(96) + "@" + std::string(host); }
  // Uniform in [low, high]: the first RSeq (RFC 3262 §3), a Retry-After (RFC 3311 §5.2).
  std::uint32_t number(std::uint32_t low, std::uint32_t high) {
    return std::uniform_int_distribution<std::uint32_t>(low, high)(rng_);
  }

 private:
  std::string hex(int bits);
  std::mt19937_64 rng_;
};

}  // namespace cosip::sip
