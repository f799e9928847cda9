// Fuzz target for the formats an MSRP chat carries: Message/CPIM (RFC 3862)
// and the is-composing document (RFC 3994). The first byte picks the parser
// (bit 0) and its leniency flag (bit 1); the rest is the input. Besides
// memory errors it checks that what is accepted survives a round trip:
// unwrap -> wrap -> unwrap gives the same message and wrap is then a fixed
// point; parse -> serialize -> parse gives the same document.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "msrp/cpim.hpp"
#include "msrp/is_composing.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void check_cpim(std::string_view data, bool allow_lf) {
  cosip::msrp::CpimOptions options;
  options.allow_lf = allow_lf;
  cosip::msrp::CpimMessage first;
  if (cosip::msrp::unwrap_cpim(data, first, options)) return;
  std::string body;
  check(!cosip::msrp::wrap_cpim(first, body));
  // Escapes and CRLF make the canonical body longer than the input; the
  // grammar, not the limits, is what it must satisfy again.
  cosip::msrp::CpimLimits relaxed;
  relaxed.max_size *= 8;
  relaxed.max_header_length *= 8;
  cosip::msrp::CpimMessage second;
  check(!cosip::msrp::unwrap_cpim(body, second, {}, relaxed));
  check(second == first);
  std::string again;
  check(!cosip::msrp::wrap_cpim(second, again));
  check(again == body);
}

void check_is_composing(std::string_view data, bool any_order) {
  cosip::msrp::IsComposingOptions options;
  options.allow_any_order = any_order;
  cosip::msrp::IsComposing first;
  if (cosip::msrp::parse_is_composing(data, first, options)) return;
  const std::string text = cosip::msrp::serialize_is_composing(first);
  cosip::msrp::IsComposingLimits relaxed;
  relaxed.max_size *= 8;
  cosip::msrp::IsComposing second;
  check(!cosip::msrp::parse_is_composing(text, second, {}, relaxed));
  check(second == first);
  check(cosip::msrp::serialize_is_composing(second) == text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const bool lenient = (data[0] & 2) != 0;
  if ((data[0] & 1) == 0) check_cpim(input, lenient);
  else check_is_composing(input, lenient);
  return 0;
}
