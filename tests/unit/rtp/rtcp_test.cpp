// RTCP compound packets (RFC 3550 §6): a captured-looking SR + SDES
// checked field by field and rebuilt byte for byte by write_report(); a
// compound of every packet kind (RR, SDES with several chunks and item
// types, APP, an opaque PSFB, BYE with a reason) round-tripped; every
// rejection of Appendix A.2 and of the packet bodies, with code and byte;
// writer refusals; and the RFC 5761 §4 demultiplexing test.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "rtp/rtcp.hpp"
#include "rtp_test_support.hpp"

using namespace cosip::rtp;
using cosip::test::ascii;
using cosip::test::Bytes;
using cosip::test::cat;
using cosip::test::hex;
using cosip::test::view;

namespace {

Compound parse_ok(const Bytes& bytes) {
  Compound c;
  const Error e = parse(view(bytes), c);
  INFO(e.message());
  REQUIRE_FALSE(e);
  return c;
}

Error parse_error(const Bytes& bytes) {
  Compound c;
  return parse(view(bytes), c);
}

template <typename Write>
Bytes write_ok(Write write) {
  Bytes out(2048, 0xEE);
  const WriteResult r = write(std::span<std::uint8_t>(out));
  INFO(r.message());
  REQUIRE(r.ok());
  out.resize(r.size);
  return out;
}

Bytes serialize_ok(const Compound& c) {
  return write_ok([&](std::span<std::uint8_t> out) { return serialize(c, out); });
}

// An SR with one report block and an SDES CNAME, as a softphone sends
// every few seconds while talking (G.711, 460 packets of 160 bytes sent).
const Bytes captured_sr_sdes = cat({hex(
    "81 c8 00 0c  5a 1e 7c 3d"                     // V=2 RC=1 SR, length 12; SSRC
    "e9 2b 4f 1c  8d 4f df 3b"                     // NTP timestamp
    "00 02 3f 80  00 00 01 cc  00 01 1f 80"        // RTP timestamp, packet count, octet count
    "1f 3a 99 01  0d 00 00 2a  00 01 12 34"        // SSRC_1, fraction 13/256, 42 lost, ext. highest seq
    "00 00 00 57  4f 1c 8a 21  00 01 80 00"        // jitter 87, LSR, DLSR 1.5 s
    "81 ca 00 06  5a 1e 7c 3d  01 11"),            // SDES SC=1, length 6; SSRC; CNAME of 17 bytes
    ascii("alice@192.0.2.101"), hex("00")});

// RR, SDES (2 chunks: CNAME NAME TOOL; CNAME PRIV), APP, PSFB PLI, BYE.
const Bytes every_kind = cat({
    hex("80 c9 00 01  11 11 11 11"),
    hex("82 ca 00 0b  11 11 11 11  01 05"), ascii("bob@x"), hex("02 03"), ascii("Bob"), hex("06 05"), ascii("cosip"),
    hex("00  22 22 22 22  01 04"), ascii("mix1"), hex("08 06 03"), ascii("abcde"), hex("00 00"),
    hex("85 cc 00 03  11 11 11 11"), ascii("TEST"), hex("de ad be ef"),
    hex("81 ce 00 02  11 11 11 11  33 33 33 33"),
    hex("81 cb 00 03  11 11 11 11  04"), ascii("done"), hex("00 00 00"),
});

}  // namespace

TEST_CASE("captured SR + SDES, field by field") {
  const Compound c = parse_ok(captured_sr_sdes);
  CHECK(c.padding == 0);
  REQUIRE(c.packets.size() == 2);

  const auto* sr = std::get_if<SenderReport>(&c.packets[0]);
  REQUIRE(sr != nullptr);
  CHECK(sr->ssrc == 0x5a1e7c3du);
  CHECK(sr->sender.ntp_timestamp == 0xe92b4f1c8d4fdf3bull);
  CHECK(sr->sender.rtp_timestamp == 147328);
  CHECK(sr->sender.packet_count == 460);
  CHECK(sr->sender.octet_count == 73600);
  CHECK(sr->profile_extension.empty());
  REQUIRE(sr->reports.size() == 1);
  const ReportBlock& b = sr->reports[0];
  CHECK(b.ssrc == 0x1f3a9901u);
  CHECK(b.fraction_lost == 13);
  CHECK(b.cumulative_lost == 42);
  CHECK(b.extended_highest_sequence == 0x00011234u);  // one wrap, highest 0x1234
  CHECK(b.jitter == 87);
  CHECK(b.last_sr == 0x4f1c8a21u);
  CHECK(b.delay_since_last_sr == 0x00018000u);  // 1.5 * 65536

  const auto* sdes = std::get_if<SourceDescription>(&c.packets[1]);
  REQUIRE(sdes != nullptr);
  REQUIRE(sdes->chunks.size() == 1);
  CHECK(sdes->chunks[0].ssrc == 0x5a1e7c3du);
  REQUIRE(sdes->chunks[0].items.size() == 1);
  CHECK(sdes->chunks[0].items[0].type == SdesType::cname);
  CHECK(sdes->chunks[0].items[0].text == "alice@192.0.2.101");
  // The text is a view into the input.
  CHECK(reinterpret_cast<const std::uint8_t*>(sdes->chunks[0].items[0].text.data()) ==
        captured_sr_sdes.data() + 52 + 10);

  CHECK(serialize_ok(c) == captured_sr_sdes);
}

TEST_CASE("write_report rebuilds the captured compound byte for byte") {
  ReportBlock b;
  b.ssrc = 0x1f3a9901;
  b.fraction_lost = 13;
  b.cumulative_lost = 42;
  b.extended_highest_sequence = 0x00011234;
  b.jitter = 87;
  b.last_sr = 0x4f1c8a21;
  b.delay_since_last_sr = 0x00018000;
  ReportSpec spec;
  spec.ssrc = 0x5a1e7c3d;
  spec.sender = SenderInfo{0xe92b4f1c8d4fdf3bull, 147328, 460, 73600};
  spec.reports = {&b, 1};
  spec.cname = "alice@192.0.2.101";
  CHECK(write_ok([&](std::span<std::uint8_t> out) { return write_report(spec, out); }) == captured_sr_sdes);

  SUBCASE("too small a buffer: nothing usable, the size needed") {
    Bytes small(captured_sr_sdes.size() - 1);
    const WriteResult r = write_report(spec, small);
    CHECK(r.code == Errc::buffer_too_small);
    CHECK(r.size == captured_sr_sdes.size());
    CHECK(r.message() == "buffer too small: 80 bytes needed");
  }
}

TEST_CASE("write_report: RR, CNAME that ends on a word boundary, BYE with and without reason") {
  ReportSpec spec;
  spec.ssrc = 7;
  spec.cname = "ab";  // 4 + 2 + 2 bytes: END and three more null octets
  spec.bye = true;
  spec.bye_reason = "shutdown";
  const Bytes wire = write_ok([&](std::span<std::uint8_t> out) { return write_report(spec, out); });
  CHECK(wire == cat({hex("80 c9 00 01  00 00 00 07"), hex("81 ca 00 03  00 00 00 07  01 02"), ascii("ab"),
                     hex("00 00 00 00"), hex("81 cb 00 04  00 00 00 07  08"), ascii("shutdown"), hex("00 00 00")}));
  const Compound c = parse_ok(wire);
  REQUIRE(c.packets.size() == 3);
  CHECK(std::get<ReceiverReport>(c.packets[0]).reports.empty());
  const Bye& bye = std::get<Bye>(c.packets[2]);
  CHECK(bye.sources == std::vector<std::uint32_t>{7});
  CHECK(bye.reason == "shutdown");

  spec.bye_reason = "";
  const Bytes without_reason = write_ok([&](std::span<std::uint8_t> out) { return write_report(spec, out); });
  const Compound d = parse_ok(without_reason);
  CHECK_FALSE(std::get<Bye>(d.packets[2]).reason.has_value());
}

TEST_CASE("write_report: past 31 report blocks, further RR packets (§6.4.2)") {
  std::vector<ReportBlock> blocks(40);
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    blocks[i].ssrc = static_cast<std::uint32_t>(1000 + i);
    blocks[i].cumulative_lost = -static_cast<std::int32_t>(i);
  }
  ReportSpec spec;
  spec.ssrc = 1;
  spec.sender = SenderInfo{};
  spec.reports = blocks;
  spec.cname = "c";
  const Bytes wire = write_ok([&](std::span<std::uint8_t> out) { return write_report(spec, out); });
  const Compound c = parse_ok(wire);
  REQUIRE(c.packets.size() == 3);
  const auto& sr = std::get<SenderReport>(c.packets[0]);
  const auto& rr = std::get<ReceiverReport>(c.packets[1]);
  REQUIRE(sr.reports.size() == 31);
  REQUIRE(rr.reports.size() == 9);
  CHECK(rr.ssrc == 1);
  CHECK(sr.reports[30].ssrc == 1030);
  CHECK(rr.reports[8].ssrc == 1039);
  CHECK(rr.reports[8].cumulative_lost == -39);
  CHECK(std::holds_alternative<SourceDescription>(c.packets[2]));
}

TEST_CASE("every packet kind, round trip") {
  const Compound c = parse_ok(every_kind);
  REQUIRE(c.packets.size() == 5);

  const auto& rr = std::get<ReceiverReport>(c.packets[0]);
  CHECK(rr.ssrc == 0x11111111u);
  CHECK(rr.reports.empty());

  const auto& sdes = std::get<SourceDescription>(c.packets[1]);
  REQUIRE(sdes.chunks.size() == 2);
  const std::vector<SdesItem> first{{SdesType::cname, "bob@x"}, {SdesType::name, "Bob"}, {SdesType::tool, "cosip"}};
  CHECK(sdes.chunks[0].ssrc == 0x11111111u);
  CHECK(sdes.chunks[0].items == first);
  CHECK(sdes.chunks[1].ssrc == 0x22222222u);
  REQUIRE(sdes.chunks[1].items.size() == 2);
  CHECK(sdes.chunks[1].items[0].text == "mix1");
  CHECK(sdes.chunks[1].items[1].type == SdesType::priv);
  CHECK(sdes.chunks[1].items[1].text == "\x03" "abcde");  // prefix length, prefix "abc", value "de"

  const auto& app = std::get<App>(c.packets[2]);
  CHECK(app.subtype == 5);
  CHECK(app.ssrc == 0x11111111u);
  CHECK(std::string(app.name.begin(), app.name.end()) == "TEST");
  CHECK(app.data == ByteView(hex("de ad be ef")));

  const auto& pli = std::get<OpaquePacket>(c.packets[3]);
  CHECK(pli.packet_type == 206);
  CHECK(pli.count == 1);
  CHECK(pli.body == ByteView(hex("11 11 11 11  33 33 33 33")));

  const auto& bye = std::get<Bye>(c.packets[4]);
  CHECK(bye.sources == std::vector<std::uint32_t>{0x11111111u});
  CHECK(bye.reason == "done");

  CHECK(serialize_ok(c) == every_kind);
}

TEST_CASE("report block values: signed 24-bit cumulative lost") {
  auto rr_with_lost = [](const char* lost) {
    // RR of one block: SSRC_1 2, fraction 255/256, the 24-bit lost field, then 16 zero bytes.
    return cat({hex("81 c9 00 07  00 00 00 01  00 00 00 02  ff"), hex(lost), Bytes(16, 0)});
  };
  CHECK(std::get<ReceiverReport>(parse_ok(rr_with_lost("ff ff ff")).packets[0]).reports[0].cumulative_lost == -1);
  CHECK(std::get<ReceiverReport>(parse_ok(rr_with_lost("80 00 00")).packets[0]).reports[0].cumulative_lost ==
        ReportBlock::min_cumulative_lost);
  CHECK(std::get<ReceiverReport>(parse_ok(rr_with_lost("7f ff ff")).packets[0]).reports[0].cumulative_lost ==
        ReportBlock::max_cumulative_lost);
  const Bytes minus_two = rr_with_lost("ff ff fe");
  const Compound c = parse_ok(minus_two);
  const ReportBlock& b = std::get<ReceiverReport>(c.packets[0]).reports[0];
  CHECK(b.fraction_lost == 255);
  CHECK(b.cumulative_lost == -2);
  CHECK(serialize_ok(c) == minus_two);
}

TEST_CASE("padding on the last packet") {
  const Bytes bytes = hex("80 c9 00 01  00 00 00 01  a1 cb 00 02  00 00 00 01  00 00 00 04");
  const Compound c = parse_ok(bytes);
  CHECK(c.padding == 4);
  REQUIRE(c.packets.size() == 2);
  CHECK(std::get<Bye>(c.packets[1]).sources == std::vector<std::uint32_t>{1});
  CHECK_FALSE(std::get<Bye>(c.packets[1]).reason);
  CHECK(serialize_ok(c) == bytes);

  SUBCASE("a lone report may carry it: it is the last packet") {
    const Compound d = parse_ok(hex("a0 c9 00 02  00 00 00 01  00 00 00 04"));
    CHECK(d.padding == 4);
  }
}

TEST_CASE("every rejection, with its code and byte") {
  struct Case {
    const char* name;
    Bytes bytes;
    Errc code;
    std::uint32_t offset;
  };
  const Bytes rr = hex("80 c9 00 01  00 00 00 01");
  const std::vector<Case> cases = {
      {"empty", {}, Errc::truncated, 0},
      {"version 1 on the first packet", hex("41 c9 00 01  00 00 00 01"), Errc::bad_version, 0},
      {"version 3 on the second packet", cat({rr, hex("c0 ca 00 00")}), Errc::bad_version, 8},
      {"SDES first", hex("81 ca 00 02  00 00 00 01  01 00 00 00"), Errc::first_not_report, 1},
      {"BYE first", hex("81 cb 00 01  00 00 00 01"), Errc::first_not_report, 1},
      {"opaque first", hex("81 ce 00 01  00 00 00 01"), Errc::first_not_report, 1},
      {"padding on the first of two", cat({hex("a0 c9 00 01  00 00 00 04"), hex("80 ca 00 00")}),
       Errc::padding_not_last, 0},
      {"padding count 0", cat({rr, hex("a0 ca 00 01  00 00 00 00")}), Errc::bad_padding, 15},
      {"padding count past the body", hex("a0 c9 00 01  00 00 00 09"), Errc::bad_padding, 7},
      {"length past the end", hex("80 c9 00 02  00 00 00 01"), Errc::truncated, 2},
      {"two stray bytes after the last packet", cat({rr, hex("81 ca")}), Errc::truncated, 8},
      {"RC=1 with no block", hex("81 c9 00 01  00 00 00 01"), Errc::bad_report_count, 8},
      {"RC=2 with one block", cat({hex("82 c9 00 07  00 00 00 01"), Bytes(24, 0)}), Errc::bad_report_count, 8},
      {"SR without sender info", hex("80 c8 00 01  00 00 00 01"), Errc::truncated, 4},
      {"RR without SSRC", hex("80 c9 00 00"), Errc::truncated, 4},
      {"SDES chunk without null octet", cat({rr, hex("81 ca 00 02  00 00 00 01  01 02 61 62")}), Errc::bad_sdes, 20},
      {"SDES item past the packet", cat({rr, hex("81 ca 00 02  00 00 00 01  01 09 61 62")}), Errc::bad_sdes, 16},
      {"SDES non-null chunk padding", cat({rr, hex("81 ca 00 02  00 00 00 01  01 00 00 07")}), Errc::bad_sdes, 19},
      {"SDES bytes after the last chunk", cat({rr, hex("81 ca 00 03  00 00 00 01  01 01 61 00  00 00 00 00")}),
       Errc::bad_sdes, 20},
      {"SDES second chunk missing", cat({rr, hex("82 ca 00 02  00 00 00 01  01 01 61 00")}), Errc::bad_sdes, 20},
      {"SDES padding cut by the P count", cat({rr, hex("a1 ca 00 02  00 00 00 01  01 00 00 01")}), Errc::bad_sdes, 19},
      {"BYE sources past the packet", cat({rr, hex("82 cb 00 01  00 00 00 01")}), Errc::bad_bye, 16},
      {"BYE reason past the packet", cat({rr, hex("81 cb 00 02  00 00 00 01  05 61 62 63")}), Errc::bad_bye, 16},
      {"BYE non-null after the reason", cat({rr, hex("81 cb 00 02  00 00 00 01  01 61 00 01")}), Errc::bad_bye, 19},
      {"BYE bytes after the reason", cat({rr, hex("81 cb 00 03  00 00 00 01  01 61 00 00  00 00 00 00")}),
       Errc::bad_bye, 20},
      {"APP without its name", cat({rr, hex("80 cc 00 01  00 00 00 01")}), Errc::bad_app, 12},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const Error e = parse_error(c.bytes);
    CHECK(e.code == c.code);
    CHECK(e.offset == c.offset);
  }
  CHECK(parse_error(cases[4].bytes).message() == "compound does not start with SR or RR at byte 1");
  CHECK(parse_error(cases[16].bytes).message() == "malformed SDES packet: item beyond the packet at byte 16");
}

TEST_CASE("serializer refusals") {
  std::vector<std::uint8_t> buf(512);
  Compound c;
  CHECK(serialize(c, buf).code == Errc::first_not_report);
  c.packets.emplace_back(SourceDescription{});
  CHECK(serialize(c, buf).code == Errc::first_not_report);

  c.packets.assign(1, ReceiverReport{});
  SUBCASE("32 report blocks in one packet") {
    std::get<ReceiverReport>(c.packets[0]).reports.resize(32);
    CHECK(serialize(c, buf).code == Errc::too_many_items);
  }
  SUBCASE("cumulative lost beyond 24 bits") {
    std::get<ReceiverReport>(c.packets[0]).reports.resize(1);
    std::get<ReceiverReport>(c.packets[0]).reports[0].cumulative_lost = 1 << 23;
    CHECK(serialize(c, buf).code == Errc::value_out_of_range);
  }
  SUBCASE("an SDES item of type END") {
    c.packets.emplace_back(SourceDescription{{SdesChunk{1, {SdesItem{SdesType::end, "x"}}}}});
    CHECK(serialize(c, buf).code == Errc::value_out_of_range);
  }
  SUBCASE("an SDES item of 256 bytes") {
    const std::string long_text(256, 'a');
    c.packets.emplace_back(SourceDescription{{SdesChunk{1, {SdesItem{SdesType::note, long_text}}}}});
    CHECK(serialize(c, buf).code == Errc::too_long);
  }
  SUBCASE("a BYE reason of 256 bytes") {
    const std::string long_text(256, 'a');
    c.packets.emplace_back(Bye{{1}, long_text});
    CHECK(serialize(c, buf).code == Errc::too_long);
  }
  SUBCASE("APP data not whole words") {
    const Bytes three = hex("01 02 03");
    App app;
    app.data = ByteView(three);
    c.packets.emplace_back(app);
    CHECK(serialize(c, buf).code == Errc::not_word_aligned);
    c.padding = 1;  // with one padding octet the packet fills whole words again
    CHECK(serialize(c, buf).ok());
  }
  SUBCASE("an opaque packet of a decoded type") {
    c.packets.emplace_back(OpaquePacket{203, 0, {}});
    CHECK(serialize(c, buf).code == Errc::value_out_of_range);
  }
  SUBCASE("a CNAME of 256 bytes in a report") {
    const std::string long_text(256, 'a');
    ReportSpec spec;
    spec.cname = long_text;
    CHECK(write_report(spec, buf).code == Errc::too_long);
  }
}

TEST_CASE("is_rtcp: second byte 192-223 (RFC 5761 §4)") {
  for (int second = 0; second < 256; ++second) {
    const Bytes b{0x80, static_cast<std::uint8_t>(second)};
    CHECK(is_rtcp(view(b)) == (second >= 192 && second <= 223));
  }
  CHECK(is_rtcp(view(captured_sr_sdes)));
  CHECK_FALSE(is_rtcp(view(hex("80 e0 00 01  00 00 00 01  00 00 00 01"))));  // RTP, M=1, PT 96
  CHECK_FALSE(is_rtcp(view(hex("80"))));
  CHECK_FALSE(is_rtcp({}));
}
