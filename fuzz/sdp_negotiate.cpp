// Fuzz target for the RFC 3264 negotiator: a random offer is answered, and
// the answer must be a valid answer to it (validate_answer), must parse back
// strictly to itself, and answering the same offer again must not bump the
// o= version (RFC 3264 §8). The first byte chooses the local capabilities
// (SRTP mode, ICE, MSRP over TLS) and the parser's leniency.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sdp/negotiator.hpp"
#include "sdp/offer_answer.hpp"
#include "tests/unit/sdp_test_support.hpp"

namespace {

using namespace cosip::sdp;

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t bits = data[0];
  const SrtpMode srtp = (bits & 3) == 1 ? SrtpMode::optional : (bits & 3) == 2 ? SrtpMode::mandatory : SrtpMode::off;
  const ParseOptions options = (bits & 16) != 0 ? ParseOptions::lenient() : ParseOptions{};
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  SessionDescription offer;
  if (parse(input, offer, options)) return 0;

  Negotiator negotiator(cosip::test::golden_capabilities(srtp, (bits & 4) != 0, (bits & 8) != 0));
  SessionDescription answer;
  if (negotiator.answer(offer, answer)) return 0;
  check(!validate_answer(offer, answer));
  check(negotiator.session().streams.size() == offer.media.size());

  SessionDescription reparsed;
  check(!parse(serialize(answer), reparsed));
  check(reparsed == answer);

  SessionDescription second;
  check(!negotiator.answer(offer, second));
  check(!validate_answer(offer, second));
  check(second.origin.session_version == answer.origin.session_version);
  return 0;
}
