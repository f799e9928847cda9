// RTP data packets (RFC 3550 §5): hand-built byte vectors decoded field by
// field, RFC 8285 one-byte and two-byte extension elements, every rejection
// of the parser with its code and byte, the RFC 5761 payload-type rule, and
// serializer round trips and errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "rtp/packet.hpp"
#include "rtp_test_support.hpp"

using namespace cosip::rtp;
using cosip::test::ascii;
using cosip::test::Bytes;
using cosip::test::cat;
using cosip::test::hex;
using cosip::test::view;

namespace {

Packet parse_ok(const Bytes& bytes, const ParseOptions& options = {}) {
  Packet p;
  const Error e = parse(view(bytes), p, options);
  INFO(e.message());
  REQUIRE_FALSE(e);
  return p;
}

Error parse_error(const Bytes& bytes, const ParseOptions& options = {}) {
  Packet p;
  return parse(view(bytes), p, options);
}

std::vector<ExtensionElement> collect(const HeaderExtension& ext) {
  std::vector<ExtensionElement> out;
  for (const ExtensionElement& e : elements(ext)) out.push_back(e);
  return out;
}

Bytes serialize_ok(const Packet& p) {
  Bytes out(p.size() + 8, 0xEE);
  const WriteResult r = serialize(p, out);
  INFO(r.message());
  REQUIRE(r.ok());
  CHECK(r.size == p.size());
  out.resize(r.size);
  return out;
}

}  // namespace

TEST_CASE("fixed header only: PCMU, sequence, timestamp, SSRC, payload viewed in place") {
  const Bytes bytes = cat({hex("80 00 12 34  00 00 00 a0  de ad be ef"), ascii("voice")});
  const Packet p = parse_ok(bytes);
  CHECK(Packet::version == 2);
  CHECK_FALSE(p.marker);
  CHECK(p.payload_type == 0);
  CHECK(p.sequence == 0x1234);
  CHECK(p.timestamp == 160);
  CHECK(p.ssrc == 0xdeadbeef);
  CHECK(p.csrc_count == 0);
  CHECK(p.csrcs().empty());
  CHECK_FALSE(p.extension);
  CHECK_FALSE(p.has_padding());
  CHECK(p.payload.size() == 5);
  CHECK(p.payload.data() == bytes.data() + 12);  // a view, not a copy
  CHECK(p.header_size() == 12);
  CHECK(serialize_ok(p) == bytes);
}

TEST_CASE("marker, dynamic payload type, CSRC list and padding") {
  // V=2 P=1 X=0 CC=2 | M=1 PT=111 | seq 65535 | ts 0xfffffff0 | SSRC | 2 CSRCs | payload | 4 padding octets
  const Bytes bytes = hex(
      "a2 ef ff ff  ff ff ff f0  01 02 03 04"
      "0a 0b 0c 0d  11 22 33 44"
      "c0 ff ee 00"
      "00 00 00 04");
  const Packet p = parse_ok(bytes);
  CHECK(p.marker);
  CHECK(p.payload_type == 111);
  CHECK(p.sequence == 65535);
  CHECK(p.timestamp == 0xfffffff0u);
  CHECK(p.ssrc == 0x01020304u);
  REQUIRE(p.csrc_count == 2);
  CHECK(p.csrcs()[0] == 0x0a0b0c0du);
  CHECK(p.csrcs()[1] == 0x11223344u);
  CHECK(p.padding == 4);
  CHECK(p.payload == ByteView(hex("c0 ff ee 00")));
  CHECK(p.header_size() == 20);
  CHECK(p.size() == bytes.size());
  CHECK(serialize_ok(p) == bytes);
}

TEST_CASE("fifteen CSRCs, the most CC can say") {
  Bytes bytes = hex("8f 08 00 01  00 00 00 02  00 00 00 03");
  for (std::uint8_t i = 1; i <= 15; ++i) bytes.insert(bytes.end(), {0, 0, 0, i});
  const Packet p = parse_ok(bytes);
  REQUIRE(p.csrcs().size() == 15);
  CHECK(p.csrcs()[14] == 15);
  CHECK(p.payload.empty());
  CHECK(serialize_ok(p) == bytes);
}

TEST_CASE("padding-only packet: the padding fills everything after the header") {
  const Bytes bytes = hex("a0 60 00 07  00 00 00 08  00 00 00 09  00 00 00 00 00 00 00 08");
  const Packet p = parse_ok(bytes);
  CHECK(p.payload_type == 96);
  CHECK(p.padding == 8);
  CHECK(p.payload.empty());
  CHECK(serialize_ok(p) == bytes);
}

TEST_CASE("generic header extension: profile and data, no elements") {
  const Bytes bytes = cat({hex("90 08 00 01  00 00 00 01  00 00 00 01  12 34 00 01  aa bb cc dd"), ascii("x")});
  const Packet p = parse_ok(bytes);
  REQUIRE(p.extension);
  CHECK(p.extension->profile == 0x1234);
  CHECK(p.extension->form() == ExtensionForm::generic);
  CHECK(p.extension->data == ByteView(hex("aa bb cc dd")));
  CHECK(collect(*p.extension).empty());
  CHECK(p.payload == ByteView(ascii("x")));
  CHECK(serialize_ok(p) == bytes);
}

TEST_CASE("RFC 8285 one-byte elements") {
  SUBCASE("lengths 1 and 3, trailing padding bytes") {
    // id 1 L=0 (1 byte) ff | id 2 L=2 (3 bytes) 01 02 03 | 00 00
    const Bytes bytes = hex("90 6f 00 01  00 00 00 01  00 00 00 01  be de 00 02  10 ff 22 01  02 03 00 00  77");
    const Packet p = parse_ok(bytes);
    REQUIRE(p.extension);
    CHECK(p.extension->form() == ExtensionForm::one_byte);
    const auto els = collect(*p.extension);
    REQUIRE(els.size() == 2);
    CHECK(els[0].id == 1);
    CHECK(els[0].data == ByteView(hex("ff")));
    CHECK(els[1].id == 2);
    CHECK(els[1].data == ByteView(hex("01 02 03")));
    CHECK(p.payload == ByteView(hex("77")));
    CHECK(serialize_ok(p) == bytes);
  }
  SUBCASE("padding between elements, and ID 15 ends the walk") {
    // id 1 [aa] | pad | id 15 (reserved): what follows, even garbage, is ignored
    const Bytes bytes = hex("90 6f 00 01  00 00 00 01  00 00 00 01  be de 00 02  10 aa 00 ff  ff ff ff ff");
    const Packet p = parse_ok(bytes);
    const auto els = collect(*p.extension);
    REQUIRE(els.size() == 1);
    CHECK(els[0].id == 1);
    CHECK(els[0].data == ByteView(hex("aa")));
  }
  SUBCASE("ID 0 with a nonzero length ends the walk too (§4.1.2)") {
    // id 1 [aa] | 0x05: ID 0, L=5 | then what would overrun, ignored
    const Bytes bytes = hex("90 6f 00 01  00 00 00 01  00 00 00 01  be de 00 02  10 aa 05 33  ff ff ff ff");
    const Packet p = parse_ok(bytes);
    const auto els = collect(*p.extension);
    REQUIRE(els.size() == 1);
    CHECK(els[0].id == 1);
  }
  SUBCASE("a sixteen-byte element, the longest") {
    const Bytes bytes = hex(
        "90 6f 00 01  00 00 00 01  00 00 00 01  be de 00 05"
        "5f 00 01 02  03 04 05 06  07 08 09 0a  0b 0c 0d 0e  0f 00 00 00");
    const Packet p = parse_ok(bytes);
    const auto els = collect(*p.extension);
    REQUIRE(els.size() == 1);
    CHECK(els[0].id == 5);
    CHECK(els[0].data.size() == 16);
    CHECK(els[0].data[15] == 0x0f);
  }
  SUBCASE("an extension of padding only has no elements") {
    const Bytes bytes = hex("90 6f 00 01  00 00 00 01  00 00 00 01  be de 00 01  00 00 00 00");
    const Packet p = parse_ok(bytes);
    CHECK(collect(*p.extension).empty());
  }
}

TEST_CASE("RFC 8285 two-byte elements") {
  // appbits 3 | id 1 len 0 | id 2 len 3 "abc" | pad
  const Bytes bytes = hex("90 6f 00 01  00 00 00 01  00 00 00 01  10 03 00 02  01 00 02 03  61 62 63 00");
  const Packet p = parse_ok(bytes);
  REQUIRE(p.extension);
  CHECK(p.extension->form() == ExtensionForm::two_byte);
  CHECK(p.extension->appbits() == 3);
  const auto els = collect(*p.extension);
  REQUIRE(els.size() == 2);
  CHECK(els[0].id == 1);
  CHECK(els[0].data.empty());
  CHECK(els[1].id == 2);
  CHECK(els[1].data == ByteView(ascii("abc")));
  CHECK(serialize_ok(p) == bytes);

  SUBCASE("ID 15 is an ordinary ID in this form") {
    const Bytes id15 = hex("90 6f 00 01  00 00 00 01  00 00 00 01  10 00 00 01  0f 01 aa 00");
    const Packet q = parse_ok(id15);
    const auto e = collect(*q.extension);
    REQUIRE(e.size() == 1);
    CHECK(e[0].id == 15);
    CHECK(e[0].data == ByteView(hex("aa")));
  }
}

TEST_CASE("write_elements builds both forms, padded to 32 bits") {
  const Bytes level = hex("8a");
  const Bytes mid = ascii("audio0");
  const std::array<ExtensionElement, 2> els{ExtensionElement{1, ByteView(level)}, ExtensionElement{3, ByteView(mid)}};
  std::array<std::uint8_t, 16> buf{};

  const WriteResult one = write_elements(ExtensionForm::one_byte, els, buf);
  REQUIRE(one.ok());
  CHECK(Bytes(buf.begin(), buf.begin() + one.size) == cat({hex("10 8a 35"), mid, hex("00 00 00")}));
  HeaderExtension ext{one_byte_profile, ByteView(buf.data(), one.size)};
  CHECK(collect(ext) == std::vector<ExtensionElement>(els.begin(), els.end()));

  const WriteResult two = write_elements(ExtensionForm::two_byte, els, buf);
  REQUIRE(two.ok());
  CHECK(Bytes(buf.begin(), buf.begin() + two.size) == cat({hex("01 01 8a 03 06"), mid, hex("00")}));
  ext = {two_byte_profile, ByteView(buf.data(), two.size)};
  CHECK(collect(ext) == std::vector<ExtensionElement>(els.begin(), els.end()));

  SUBCASE("refusals") {
    const Bytes seventeen(17, 1);
    const Bytes empty;
    const std::array<ExtensionElement, 1> id15{ExtensionElement{15, ByteView(level)}};
    const std::array<ExtensionElement, 1> id0{ExtensionElement{0, ByteView(level)}};
    const std::array<ExtensionElement, 1> too_big{ExtensionElement{2, ByteView(seventeen)}};
    const std::array<ExtensionElement, 1> none{ExtensionElement{2, ByteView(empty)}};
    std::array<std::uint8_t, 64> big{};
    CHECK(write_elements(ExtensionForm::one_byte, id15, big).code == Errc::value_out_of_range);
    CHECK(write_elements(ExtensionForm::one_byte, id0, big).code == Errc::value_out_of_range);
    CHECK(write_elements(ExtensionForm::one_byte, too_big, big).code == Errc::value_out_of_range);
    CHECK(write_elements(ExtensionForm::one_byte, none, big).code == Errc::value_out_of_range);
    CHECK(write_elements(ExtensionForm::two_byte, id0, big).code == Errc::value_out_of_range);
    CHECK(write_elements(ExtensionForm::two_byte, too_big, big).ok());  // 17 bytes fit two-byte form
    CHECK(write_elements(ExtensionForm::two_byte, none, big).size == 4);
    CHECK(write_elements(ExtensionForm::generic, els, big).code == Errc::value_out_of_range);
    std::array<std::uint8_t, 11> small{};
    const WriteResult r = write_elements(ExtensionForm::one_byte, els, small);
    CHECK(r.code == Errc::buffer_too_small);
    CHECK(r.size == 12);
    CHECK(r.message() == "buffer too small: 12 bytes needed");
  }
}

TEST_CASE("every rejection, with its code and byte") {
  struct Case {
    const char* name;
    Bytes bytes;
    Errc code;
    std::uint32_t offset;
  };
  const std::vector<Case> cases = {
      {"11 bytes", hex("80 00 00 01  00 00 00 01  00 00 00"), Errc::truncated, 0},
      {"empty", {}, Errc::truncated, 0},
      {"version 1", hex("40 00 00 01  00 00 00 01  00 00 00 01"), Errc::bad_version, 0},
      {"version 0", hex("00 00 00 01  00 00 00 01  00 00 00 01"), Errc::bad_version, 0},
      {"version 3", hex("c0 00 00 01  00 00 00 01  00 00 00 01"), Errc::bad_version, 0},
      {"CC=3, two CSRCs present", hex("83 00 00 01  00 00 00 01  00 00 00 01  00 00 00 02  00 00 00 03"),
       Errc::truncated, 12},
      {"X set, no extension header", hex("90 00 00 01  00 00 00 01  00 00 00 01  be de"), Errc::truncated, 12},
      {"extension length past the end", hex("90 00 00 01  00 00 00 01  00 00 00 01  be de 00 02  10 aa 00 00"),
       Errc::truncated, 14},
      {"one-byte element overruns", hex("90 00 00 01  00 00 00 01  00 00 00 01  be de 00 01  13 aa bb cc"),
       Errc::bad_extension_element, 16},
      {"two-byte element overruns", hex("90 00 00 01  00 00 00 01  00 00 00 01  10 00 00 01  01 05 aa bb"),
       Errc::bad_extension_element, 16},
      {"two-byte element header cut", hex("90 00 00 01  00 00 00 01  00 00 00 01  10 00 00 01  00 00 00 07"),
       Errc::bad_extension_element, 19},
      {"padding count 0", hex("a0 00 00 01  00 00 00 01  00 00 00 01  aa bb cc 00"), Errc::bad_padding, 15},
      {"padding count past the payload", hex("a0 00 00 01  00 00 00 01  00 00 00 01  aa bb cc 05"),
       Errc::bad_padding, 15},
      {"P set, nothing after the header", hex("a0 00 00 01  00 00 00 01  00 00 00 01"), Errc::bad_padding, 11},
      {"padding reaching into the CSRC list", hex("a1 00 00 01  00 00 00 01  00 00 00 01  00 00 00 02  05"),
       Errc::bad_padding, 16},
      {"PT 72 (SR with M=1)", hex("80 48 00 01  00 00 00 01  00 00 00 01"), Errc::reserved_payload_type, 1},
      {"PT 76 (APP with M=1)", hex("80 cc 00 01  00 00 00 01  00 00 00 01"), Errc::reserved_payload_type, 1},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const Error e = parse_error(c.bytes);
    CHECK(e.code == c.code);
    CHECK(e.offset == c.offset);
    CHECK_FALSE(e.message().empty());
  }
  // The messages say what and where.
  CHECK(parse_error(cases[0].bytes).message() == "truncated packet: shorter than the 12-byte fixed header at byte 0");
  CHECK(parse_error(hex("a0 00 00 01  00 00 00 01  00 00 00 01  aa bb cc 05")).message() ==
        "bad padding: padding count reaches into the header at byte 15");
}

TEST_CASE("payload types that collide with RTCP (RFC 3551 §6, RFC 5761 §4)") {
  auto packet = [](std::uint8_t second) {
    Bytes b = hex("80 00 00 01  00 00 00 01  00 00 00 01");
    b[1] = second;
    return b;
  };
  ParseOptions mux;
  mux.rtcp_mux = true;
  for (int pt = 0; pt < 128; ++pt) {
    INFO("payload type ", pt);
    const bool plain_reserved = pt >= 72 && pt <= 76;
    const bool mux_reserved = pt >= 64 && pt <= 95;
    for (const std::uint8_t marker : {0x00, 0x80}) {
      const Bytes b = packet(static_cast<std::uint8_t>(marker | pt));
      CHECK((parse_error(b).code == Errc::reserved_payload_type) == plain_reserved);
      CHECK((parse_error(b, mux).code == Errc::reserved_payload_type) == mux_reserved);
    }
  }
}

TEST_CASE("round trip of built packets") {
  const Bytes payload = ascii("twenty bytes of opus");
  const Bytes ext_data = hex("10 8a 31 00 01 00 00 00");
  Packet p;
  p.marker = true;
  p.payload_type = 96;
  p.sequence = 4711;
  p.timestamp = 123456789;
  p.ssrc = 0xcafebabe;
  p.csrc_count = 3;
  p.csrc = {7, 8, 9};
  p.extension = HeaderExtension{one_byte_profile, ByteView(ext_data)};
  p.payload = ByteView(payload);
  p.padding = 3;

  const Bytes wire = serialize_ok(p);
  CHECK(wire.size() == 12 + 12 + 4 + 8 + 20 + 3);
  CHECK(wire.back() == 3);
  const Packet q = parse_ok(wire);
  CHECK(q == p);
  CHECK(q.payload.data() == wire.data() + 36);
  // Equality is by content: a changed payload byte tells them apart.
  Bytes other = wire;
  other[36] ^= 1;
  CHECK_FALSE(parse_ok(other) == p);

  SUBCASE("CSRCs past the count do not matter") {
    Packet r = p;
    r.csrc[10] = 99;
    CHECK(r == p);
  }
  SUBCASE("the payload may already lie in the output, after room for the header") {
    Bytes buf(p.size(), 0);
    std::copy(payload.begin(), payload.end(), buf.begin() + static_cast<std::ptrdiff_t>(p.header_size()));
    Packet in_place = p;
    in_place.payload = ByteView(buf.data() + p.header_size(), payload.size());
    const WriteResult r = serialize(in_place, buf);
    REQUIRE(r.ok());
    CHECK(buf == wire);
  }
}

TEST_CASE("serializer refusals") {
  const Bytes payload = ascii("abc");
  Packet p;
  p.payload_type = 8;
  p.payload = ByteView(payload);
  std::array<std::uint8_t, 64> buf{};

  SUBCASE("buffer too small says how much is needed") {
    std::array<std::uint8_t, 14> small{};
    const WriteResult r = serialize(p, small);
    CHECK(r.code == Errc::buffer_too_small);
    CHECK(r.size == 15);
    CHECK(std::all_of(small.begin(), small.end(), [](std::uint8_t b) { return b == 0; }));  // nothing written
    std::array<std::uint8_t, 15> exact{};
    CHECK(serialize(p, exact).size == 15);
  }
  SUBCASE("payload type above 127") {
    p.payload_type = 128;
    CHECK(serialize(p, buf).code == Errc::value_out_of_range);
  }
  SUBCASE("payload type reserved against RTCP") {
    p.payload_type = 74;
    CHECK(serialize(p, buf).code == Errc::reserved_payload_type);
  }
  SUBCASE("sixteen CSRCs") {
    p.csrc_count = 16;
    CHECK(serialize(p, buf).code == Errc::too_many_items);
  }
  SUBCASE("extension data not whole words") {
    p.extension = HeaderExtension{0x1234, ByteView(payload)};
    const WriteResult r = serialize(p, buf);
    CHECK(r.code == Errc::not_word_aligned);
    CHECK(r.message() == "not a whole number of 32-bit words: header extension data");
  }
}
