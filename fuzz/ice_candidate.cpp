// Fuzz target for the a=candidate value as ICE takes it (RFC 8839 §5.1):
// sdp::decode_candidate then ice::from_sdp. Besides memory errors and UB it
// checks that an accepted candidate, written back with to_sdp_value, parses
// again to the same candidate.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rtp/ice/candidate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cosip::rtp::ice;
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  Candidate candidate;
  if (parse_sdp_value(value, candidate)) return 0;
  Candidate again;
  if (parse_sdp_value(to_sdp_value(candidate), again) || !(again == candidate)) std::abort();
  return 0;
}
