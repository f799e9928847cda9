#include "rtp/random_source.hpp"

#include <memory>
#include <random>

namespace cosip::rtp {

RandomSource seeded_random(std::uint64_t seed) {
  auto rng = std::make_shared<std::mt19937_64>(seed);
  return [rng] { return static_cast<std::uint32_t>((*rng)() >> 32); };
}

RandomSource os_random() {
  std::random_device device;
  return seeded_random((static_cast<std::uint64_t>(device()) << 32) ^ device());
}

}  // namespace cosip::rtp
