// Fuzz target for the RTCP compound parser, serializer and report builder.
// The input is one compound. Besides memory errors and UB it checks that an
// accepted compound is written back to the same size, parses again to the
// same value, keeps the input's bytes (the padding content aside), is
// refused with the size needed by a buffer one byte short, and is RTCP to
// the RFC 5761 test; and that write_report(), given the first report, its
// blocks, a CNAME and a BYE found in the input, writes what parses back.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "rtp/rtcp.hpp"

namespace {

using namespace cosip::rtp;

void check(bool ok) {
  if (!ok) std::abort();
}

void check_report(const Compound& c) {
  ReportSpec spec;
  if (const auto* sr = std::get_if<SenderReport>(&c.packets.front())) {
    spec.ssrc = sr->ssrc;
    spec.sender = sr->sender;
    spec.reports = sr->reports;
  } else {
    const auto& rr = std::get<ReceiverReport>(c.packets.front());
    spec.ssrc = rr.ssrc;
    spec.reports = rr.reports;
  }
  for (const RtcpPacket& p : c.packets) {
    if (const auto* sdes = std::get_if<SourceDescription>(&p))
      for (const SdesChunk& chunk : sdes->chunks)
        for (const SdesItem& item : chunk.items)
          if (item.type == SdesType::cname) spec.cname = item.text;
    if (const auto* bye = std::get_if<Bye>(&p)) {
      spec.bye = true;
      spec.bye_reason = bye->reason.value_or("");
    }
  }
  std::vector<std::uint8_t> out(2048);
  const WriteResult r = write_report(spec, out);
  check(r.ok());
  Compound built;
  check(!parse(std::span<const std::uint8_t>(out).first(r.size), built));
  check(built.packets.size() == 2u + spec.bye);
  const auto& sdes = std::get<SourceDescription>(built.packets[1]);
  check(sdes.chunks.size() == 1 && sdes.chunks[0].ssrc == spec.ssrc && sdes.chunks[0].items.size() == 1 &&
        sdes.chunks[0].items[0].text == spec.cname);
  if (spec.sender) {
    const auto& sr = std::get<SenderReport>(built.packets[0]);
    check(sr.ssrc == spec.ssrc && sr.sender == *spec.sender);
    check(std::ranges::equal(sr.reports, spec.reports));
  } else {
    const auto& rr = std::get<ReceiverReport>(built.packets[0]);
    check(rr.ssrc == spec.ssrc && std::ranges::equal(rr.reports, spec.reports));
  }
  if (spec.bye) check(std::get<Bye>(built.packets[2]).reason.value_or("") == spec.bye_reason);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  Compound compound;
  if (parse(input, compound)) return 0;
  check(is_rtcp(input));

  std::vector<std::uint8_t> out(input.size());
  const WriteResult r = serialize(compound, out);
  check(r.ok() && r.size == input.size());
  const std::size_t kept = input.size() - compound.padding;  // padding octets are written as zeros
  check(std::equal(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(kept), input.begin()));
  if (compound.padding != 0) check(out.back() == input.back());

  Compound again;
  check(!parse(out, again));
  check(again == compound);

  const WriteResult short_by_one = serialize(compound, std::span<std::uint8_t>(out).first(out.size() - 1));
  check(short_by_one.code == Errc::buffer_too_small && short_by_one.size == input.size());

  check_report(compound);
  return 0;
}
