// Fuzz target for SDES key decoding (RFC 4568 key-params into a master key).
// Input: "<suite>|<key-salt>|<lifetime>|<mki>|<mki length>", the numbers in
// decimal, absent fields unset. Checks that an accepted key has the suite's
// length and that generating a key for it gives one that decodes.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "rtp/srtp/sdes.hpp"

namespace {

using namespace cosip::rtp;

void check(bool ok) {
  if (!ok) std::abort();
}

std::string_view next_field(std::string_view& rest) {
  const std::size_t bar = rest.find('|');
  const std::string_view field = rest.substr(0, bar);
  rest = bar == std::string_view::npos ? std::string_view{} : rest.substr(bar + 1);
  return field;
}

std::optional<std::uint64_t> number(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  SdesKey key;
  key.suite = next_field(rest);
  key.key_salt = next_field(rest);
  key.lifetime = number(next_field(rest));
  if (const auto mki = number(next_field(rest))) key.mki = static_cast<std::uint32_t>(*mki);
  if (const auto length = number(next_field(rest))) key.mki_length = static_cast<std::uint8_t>(*length);

  SrtpMasterKey out;
  const SrtpError e = decode_sdes_key(key, out);
  check(!e.message().empty());
  if (!e) {
    check(parse_srtp_suite(key.suite) == out.suite);
    check(key.key_salt.size() == 40);  // 30 or 28 bytes in base64
    check(out.mki_length == (key.mki ? key.mki_length : 0));
  }
  return 0;
}
