// Fuzz target for the RTP packet parser and serializer and the RFC 8285
// element walk. The first byte chooses the options (bit 0: rtcp_mux); the
// rest is one packet. Besides memory errors and UB it checks that an
// accepted packet is written back to the same size, that it parses again to
// the same value, that the bytes are the input's (the padding content aside),
// that a buffer one byte short is refused with the size needed, and that
// the elements written again by write_elements() walk the same.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "rtp/packet.hpp"

namespace {

using namespace cosip::rtp;

void check(bool ok) {
  if (!ok) std::abort();
}

void check_elements_again(const HeaderExtension& ext) {
  std::vector<ExtensionElement> before;
  for (const ExtensionElement& e : elements(ext)) before.push_back(e);
  const ExtensionForm form = ext.form();
  if (form == ExtensionForm::generic) {
    check(before.empty());
    return;
  }
  std::vector<std::uint8_t> buf(ext.data.size() + 4);
  const WriteResult r = write_elements(form, before, buf);
  check(r.ok() && r.size % 4 == 0 && r.size <= buf.size());
  const HeaderExtension again{ext.profile, ByteView(buf.data(), r.size)};
  check(!check_elements(again));
  std::vector<ExtensionElement> after;
  for (const ExtensionElement& e : elements(again)) after.push_back(e);
  check(after == before);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  ParseOptions options;
  options.rtcp_mux = (data[0] & 1) != 0;
  const std::span<const std::uint8_t> input(data + 1, size - 1);
  Packet packet;
  if (parse(input, packet, options)) return 0;
  check(packet.size() == input.size());
  if (packet.extension) check_elements_again(*packet.extension);

  std::vector<std::uint8_t> out(input.size());
  const WriteResult r = serialize(packet, out);
  check(r.ok() && r.size == input.size());
  const std::size_t kept = input.size() - packet.padding;  // padding octets are written as zeros
  check(std::equal(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(kept), input.begin()));
  if (packet.has_padding()) check(out.back() == input.back());

  Packet again;
  check(!parse(out, again, options));
  check(again == packet);

  const WriteResult short_by_one = serialize(packet, std::span<std::uint8_t>(out).first(out.size() - 1));
  check(short_by_one.code == Errc::buffer_too_small && short_by_one.size == input.size());
  return 0;
}
