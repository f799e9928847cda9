// SDP syntax (RFC 8866): parsing captured and hand-written descriptions,
// the round trip serialize(parse(x)) on every test vector, strictness and
// each named leniency, limits, error positions, and the typed attribute
// decoders (rtpmap, fmtp, rtcp, crypto, ICE, MSRP, RFC 5547).
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "sdp/attributes.hpp"
#include "sdp/session_description.hpp"
#include "test_support.hpp"

using namespace cosip::sdp;
using cosip::test::crlf;
using cosip::test::read_file;

namespace {

std::string golden(const std::string& name) {
  return read_file(cosip::test::data_dir() + "/sdp/golden/" + name);
}

const std::string minimal = crlf({"v=0", "o=- 1 2 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0",
                                  "m=audio 4000 RTP/AVP 0"});

ParseError parse_text(const std::string& text, const ParseOptions& options = {}) {
  SessionDescription sd;
  return parse(text, sd, options);
}

}  // namespace

TEST_CASE("baresip's offer, captured, parses strictly with every field") {
  SessionDescription sd;
  REQUIRE_FALSE(parse(golden("baresip_plain.offer.sdp"), sd));
  CHECK(sd.origin.username == "-");
  CHECK(sd.origin.session_id == "1639759645");
  CHECK(sd.origin.session_version == 1494458467);
  CHECK(sd.origin.address == "127.0.0.1");
  CHECK(sd.session_name == "-");
  REQUIRE(sd.connection);
  CHECK(sd.connection->address == "127.0.0.1");
  CHECK(sd.attributes.size() == 1);
  CHECK(*sd.find("tool")->value == "baresip 1.0.0");
  REQUIRE(sd.media.size() == 1);
  const MediaDescription& md = sd.media[0];
  CHECK(md.media == "audio");
  CHECK(md.port == 27304);
  CHECK(md.proto == "RTP/AVP");
  CHECK(md.formats == std::vector<std::string>{"0", "8", "96", "101"});
  CHECK(md.attributes.size() == 12);
  CHECK(md.attributes[8].name == "rtcp-rsize");  // unknown attributes kept, in order
  CHECK(effective_direction(sd, md) == Direction::sendrecv);
  Rtpmap opus;
  REQUIRE_FALSE(decode_rtpmap(md.values("rtpmap")[2], opus));
  CHECK(opus.payload_type == 96);
  CHECK(opus.encoding == "opus");
  CHECK(opus.clock_rate == 48000);
  CHECK(opus.channels == 2);
  Fmtp fmtp;
  REQUIRE_FALSE(decode_fmtp(md.values("fmtp")[0], fmtp));
  CHECK(fmtp.format == "96");
  CHECK(fmtp_parameter(fmtp.parameters, "maxaveragebitrate") == std::optional<std::string_view>("28000"));
  CHECK_FALSE(fmtp_parameter(fmtp.parameters, "useinbandfec"));
  std::uint32_t ptime = 0;
  CHECK_FALSE(decode_ptime(*md.find("ptime")->value, ptime));
  CHECK(ptime == 20);
}

TEST_CASE("baresip's SRTP offer: the crypto line decodes") {
  SessionDescription sd;
  REQUIRE_FALSE(parse(golden("baresip_srtp_mandatory.offer.sdp"), sd));
  CHECK(sd.media[0].proto == "RTP/SAVP");
  Crypto c;
  REQUIRE_FALSE(decode_crypto(*sd.media[0].find("crypto")->value, c));
  CHECK(c.tag == 1);
  CHECK(c.suite == "AES_CM_128_HMAC_SHA1_80");
  REQUIRE(c.keys.size() == 1);
  CHECK(c.keys[0].key_salt == "JM0CSc7s0z2b8rgvVQPUsCHB10pI83PpcC8B7ukL");
  CHECK_FALSE(c.keys[0].lifetime);
}

TEST_CASE("round trip: serialize(parse(x)) means x for every test vector") {
  int count = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(cosip::test::data_dir() + "/sdp")) {
    if (entry.path().extension() != ".sdp") continue;
    CAPTURE(entry.path().string());
    const std::string text = read_file(entry.path().string());
    // The RFC 3264 / RFC 5547 examples have an empty s=, which RFC 8866 forbids.
    const bool strict = !parse_text(text);
    const ParseOptions options = strict ? ParseOptions{} : ParseOptions::lenient();
    SessionDescription first;
    REQUIRE_FALSE(parse(text, first, options));
    const std::string canonical = serialize(first);
    SessionDescription second;
    REQUIRE_FALSE(parse(canonical, second));  // the canonical form is always strict
    CHECK(second == first);
    CHECK(serialize(second) == canonical);
    if (strict) CHECK(canonical == text);  // our vectors are already canonical
    ++count;
  }
  CHECK(count == 35);  // 18 golden offers and 17 answers (one offer gets 488)
}

TEST_CASE("strict by default: each fault with its byte") {
  struct Case {
    std::string text;
    ParseErrc code;
    std::uint32_t offset;
  };
  const std::vector<Case> cases{
      {crlf({"o=- 1 2 IN IP4 h", "v=0"}), ParseErrc::missing_line, 0},
      {"v=0\no=- 1 2 IN IP4 h\r\n", ParseErrc::bad_line_ending, 3},
      {crlf({"v=0", "o=- 1 2 IN IP4 h", "s=-", "x=1"}), ParseErrc::unknown_type, 28},
      {crlf({"v=0", "o=- 1 2 IN IP4 h", "t=0 0", "s=-"}), ParseErrc::out_of_order, 30},
      {crlf({"v=0", "o=- 1 2 IN IP4 h", "s=-", "s=x"}), ParseErrc::duplicate_line, 28},
      {crlf({"v=1"}), ParseErrc::bad_version, 2},
      {crlf({"v=0", "o=- x 2 IN IP4 h"}), ParseErrc::bad_origin, 9},
      {crlf({"v=0", "o=- 1 2 IN IP4  h"}), ParseErrc::bad_origin, 21},
      {crlf({"v=0", "o=- 1 2 IN IP4 h", "s="}), ParseErrc::bad_session_name, 25},
      {crlf({"v=0", "o=- 1 2 IN IP4 h", "s=-", "c=IN IP4"}), ParseErrc::bad_connection, 30},
      {crlf({"v=0", "o=- 1 2 IN IP4 h", "s=-", "c=IN IP4 h", "t=0 0", "m=audio 70000 RTP/AVP 0"}),
       ParseErrc::bad_media, 55},
      {crlf({"v=0", "o=- 1 2 IN IP4 h", "s=-", "c=IN IP4 h", "t=0 0", "m=audio 4000 RTP/AVP"}), ParseErrc::bad_media,
       49},
      {crlf({"v=0", "o=- 1 2 IN IP4 h", "s=-", "c=IN IP4 h", "t=0 0", "a=tool:"}), ParseErrc::bad_attribute, 54},
      {crlf({"v=0", "o=- 1 2 IN IP4 h", "s=-", "c=IN IP4 h", "t=0 0", "a=sendrecv "}), ParseErrc::bad_attribute, 49},
      {crlf({"v=0", "o=- 1 2 IN IP4 h", "s=-", "t=0 0", "m=audio 4000 RTP/AVP 0"}), ParseErrc::missing_line, 35},
      {crlf({"v=0", "o=- 1 2 IN IP4 h", "s=-", "c=IN IP4 h"}), ParseErrc::missing_line, 40},
      {crlf({"v=0", "o=- 1 2 IN IP4 h", "s=-", "c=IN IP4 h", "t=0 0", "m=audio 4000 RTP/AVP 0", "t=0 0"}),
       ParseErrc::out_of_order, 71},
      {crlf({"v=0", "o=- 1 2 IN IP4 h", "s=-", "r=1d 1h 0"}), ParseErrc::out_of_order, 28},
      {"v=0\r\no=- 1 2 IN IP4 h\r\ns=-\r\nt=0 0", ParseErrc::bad_line_ending, 33},
      {"v=0\r\n\r\n", ParseErrc::bad_line, 5},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    SessionDescription sd;
    const ParseError e = parse(c.text, sd);
    CHECK(e.code == c.code);
    CHECK(e.offset == c.offset);
  }
  CHECK(parse_text(crlf({"v=0", "o=- 1 2 IN IP4 h", "s=-", "x=1"})).message() == "unknown line type at byte 28");
}

TEST_CASE("each leniency is a named flag") {
  const std::string lf = "v=0\no=- 1 2 IN IP4 h\ns=-\nc=IN IP4 h\nt=0 0\n";
  ParseOptions o;
  CHECK(parse_text(lf).code == ParseErrc::bad_line_ending);
  o.allow_lf = true;
  CHECK_FALSE(parse_text(lf, o));

  const std::string unterminated = crlf({"v=0", "o=- 1 2 IN IP4 h", "s=-", "c=IN IP4 h"}) + "t=0 0";
  o = {};
  o.allow_unterminated_last_line = true;
  CHECK_FALSE(parse_text(unterminated, o));

  const std::string trailing = crlf({"v=0 ", "o=- 1 2 IN IP4 h ", "s=-", "c=IN IP4 h", "t=0 0", "a=sendrecv\t"}) + "\r\n";
  CHECK(parse_text(trailing).code == ParseErrc::bad_version);
  o = {};
  o.allow_trailing_whitespace = true;
  SessionDescription sd;
  REQUIRE_FALSE(parse(trailing, sd, o));
  CHECK(find_direction(sd.attributes) == Direction::sendrecv);

  const std::string no_name = crlf({"v=0", "o=- 1 2 IN IP4 h", "s=", "c=IN IP4 h", "t=0 0"});
  o = {};
  o.allow_missing_session_name = true;
  REQUIRE_FALSE(parse(no_name, sd, o));
  CHECK(sd.session_name == "-");
  REQUIRE_FALSE(parse(crlf({"v=0", "o=- 1 2 IN IP4 h", "c=IN IP4 h", "t=0 0"}), sd, o));

  const std::string no_time = crlf({"v=0", "o=- 1 2 IN IP4 h", "s=-", "c=IN IP4 h", "m=audio 1 RTP/AVP 0"});
  CHECK(parse_text(no_time).code == ParseErrc::missing_line);
  o = {};
  o.allow_missing_timing = true;
  REQUIRE_FALSE(parse(no_time, sd, o));
  CHECK(sd.times.size() == 1);

  const std::string no_c = crlf({"v=0", "o=- 1 2 IN IP4 h", "s=-", "t=0 0", "m=audio 1 RTP/AVP 0"});
  o = {};
  o.allow_missing_connection = true;
  CHECK_FALSE(parse_text(no_c, o));
}

TEST_CASE("the whole RFC 8866 line set, session and media level") {
  const std::string text = crlf({
      "v=0", "o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1", "s=Call to John Smith", "i=SDP Offer #1",
      "u=http://www.jdoe.example.com/home.html", "e=Jane Doe <jane@jdoe.example.com>", "p=+1 617 555-6011",
      "c=IN IP4 233.252.0.1/127/3", "b=CT:1000", "t=3724394400 3724398000", "r=604800 3600 0 90000",
      "t=0 0", "z=2882844526 -1h 2898848070 0", "k=prompt", "a=recvonly", "a=x-unknown:some value",
      "m=audio 49170/2 RTP/AVP 0", "i=voice", "c=IN IP6 2001:db8::1", "c=IN IP6 2001:db8::2", "b=AS:64",
      "b=RS:800", "k=clear:secret", "a=rtcp:53020 IN IP4 198.51.100.2", "m=video 51372 RTP/AVP 99",
      "a=rtpmap:99 h263-1998/90000"});
  SessionDescription sd;
  REQUIRE_FALSE(parse(text, sd));
  CHECK(sd.connection->address == "233.252.0.1");
  CHECK(sd.connection->multicast_suffix == "/127/3");
  CHECK(sd.bandwidths == std::vector<Bandwidth>{{"CT", 1000}});
  REQUIRE(sd.times.size() == 2);
  CHECK(sd.times[0].repeats == std::vector<std::string>{"604800 3600 0 90000"});
  CHECK(sd.zone_adjustments == "2882844526 -1h 2898848070 0");
  CHECK(sd.media[0].port_count == 2u);
  CHECK(sd.media[0].connections.size() == 2);
  CHECK(sd.media[0].bandwidths.size() == 2);
  CHECK(effective_direction(sd, sd.media[0]) == Direction::recvonly);  // session level applies
  Rtcp rtcp;
  REQUIRE_FALSE(decode_rtcp(*sd.media[0].find("rtcp")->value, rtcp));
  CHECK(rtcp.port == 53020);
  CHECK(rtcp.address == "198.51.100.2");
  CHECK(serialize(sd) == text);
}

TEST_CASE("limits a peer cannot exceed") {
  Limits limits;
  limits.max_media = 1;
  SessionDescription sd;
  CHECK(parse(minimal + "m=audio 4002 RTP/AVP 0\r\n", sd, {}, limits).code == ParseErrc::too_many_media);
  limits = {};
  limits.max_attributes = 2;
  CHECK(parse(minimal + "a=a\r\na=b\r\na=c\r\n", sd, {}, limits).code == ParseErrc::too_many_attributes);
  limits = {};
  limits.max_formats = 2;
  CHECK(parse(minimal + "m=audio 4002 RTP/AVP 0 8 9\r\n", sd, {}, limits).code == ParseErrc::too_many_formats);
  limits = {};
  limits.max_size = 20;
  CHECK(parse(minimal, sd, {}, limits).code == ParseErrc::too_large);
  limits = {};
  limits.max_lines = 3;
  CHECK(parse(minimal, sd, {}, limits).code == ParseErrc::too_many_lines);
  limits = {};
  limits.max_line_length = 10;
  CHECK(parse(minimal, sd, {}, limits).code == ParseErrc::line_too_long);
}

TEST_CASE("rtpmap and ptime decoders") {
  Rtpmap r;
  CHECK_FALSE(decode_rtpmap("0 PCMU/8000", r));
  CHECK(r.channels == 1);
  CHECK(encode(r) == "0 PCMU/8000");
  CHECK(decode_rtpmap("128 PCMU/8000", r).offset == 0);
  CHECK(decode_rtpmap("96 opus", r));
  CHECK(decode_rtpmap("96 opus/48000/x", r).offset == 14);
  std::uint32_t ms = 0;
  CHECK_FALSE(decode_ptime("20.5", ms));
  CHECK(ms == 20);
  CHECK(decode_ptime("x", ms));
}

TEST_CASE("crypto (RFC 4568): suites, lifetime, MKI, session parameters") {
  Crypto c;
  REQUIRE_FALSE(decode_crypto("1 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:4;"
                              "inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4 FEC_ORDER=FEC_SRTP",
                              c));
  CHECK(c.suite == "AES_CM_128_HMAC_SHA1_32");
  REQUIRE(c.keys.size() == 2);
  CHECK(c.keys[0].lifetime == std::uint64_t{1} << 20);
  CHECK(c.keys[1].mki == 2u);
  CHECK(c.keys[1].mki_length == 4);
  CHECK(c.session_params == std::vector<std::string_view>{"FEC_ORDER=FEC_SRTP"});
  const std::string encoded = encode(c);  // the decoded views point into it
  Crypto again;
  REQUIRE_FALSE(decode_crypto(encoded, again));
  CHECK(again.keys[0].lifetime == c.keys[0].lifetime);
  CHECK(is_supported_suite("AES_CM_128_HMAC_SHA1_80"));
  CHECK_FALSE(is_supported_suite("AEAD_AES_256_GCM"));
  // RFC 7714 §14.2: AEAD_AES_128_GCM takes 28 bytes (40 base64 characters
  // too, two of them padding), the AES_CM suites 30.
  CHECK(is_supported_suite("AEAD_AES_128_GCM"));
  CHECK_FALSE(decode_crypto("1 AEAD_AES_128_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw==", c));
  CHECK(std::string(decode_crypto("1 AEAD_AES_128_GCM inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj", c).what) ==
        "key and salt not 28 bytes");
  CHECK(std::string(decode_crypto("1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw==", c).what) ==
        "key and salt not 30 bytes");
  CHECK(std::string(decode_crypto("1 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=", c).what) == "key and salt not 30 bytes");
  CHECK(decode_crypto("1 AES_CM_128_HMAC_SHA1_80 key:abc", c));
  CHECK(decode_crypto("x AES_CM_128_HMAC_SHA1_80 inline:abc", c).offset == 0);
  CHECK(decode_crypto("1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|1:999", c));
}

TEST_CASE("ICE attributes (RFC 8839)") {
  CHECK_FALSE(decode_ice_ufrag("8hhY"));
  CHECK(decode_ice_ufrag("8hh"));
  CHECK(decode_ice_ufrag("8h_Y"));
  CHECK_FALSE(decode_ice_pwd("asd88fgpdd777uzjYhagZg"));
  CHECK(decode_ice_pwd("short"));
  std::vector<std::string_view> options;
  CHECK_FALSE(decode_ice_options("trickle ice2", options));
  CHECK(options.size() == 2);
  Candidate c;
  REQUIRE_FALSE(decode_candidate("2 1 UDP 1694498815 198.51.100.7 45664 typ srflx raddr 10.0.1.1 rport 45664 generation 0", c));
  CHECK(c.foundation == "2");
  CHECK(c.component == 1);
  CHECK(c.priority == 1694498815u);
  CHECK(c.type == "srflx");
  CHECK(c.related_address == "10.0.1.1");
  CHECK(c.related_port == 45664);
  CHECK(c.extensions.size() == 1);
  CHECK(decode_candidate("1 1 UDP 2130706431 10.0.1.1 45664 host", c));
  CHECK(decode_candidate("1 0 UDP 2130706431 10.0.1.1 45664 typ host", c));
  std::vector<RemoteCandidate> remote;
  REQUIRE_FALSE(decode_remote_candidates("1 192.0.2.3 45664 2 192.0.2.3 45665", remote));
  CHECK(remote.size() == 2);
  CHECK(remote[1].port == 45665);
  CHECK(decode_remote_candidates("1 192.0.2.3", remote));
}

TEST_CASE("MSRP attributes (RFC 4975) and setup (RFC 4145)") {
  std::vector<std::string_view> list;
  CHECK_FALSE(decode_path("msrp://relay.example.com:2855/a;tcp msrps://bob.example.com:2856/kjh;tcp", list));
  CHECK(list.size() == 2);
  CHECK(decode_path("sip:bob@example.com", list));
  CHECK(decode_path("msrp://bob.example.com:2855/abc", list));
  CHECK_FALSE(decode_accept_types("message/cpim text/plain text/* *", list));
  CHECK(list.size() == 4);
  CHECK(decode_accept_types("text", list));
  std::uint64_t size = 0;
  CHECK_FALSE(decode_max_size("4096", size));
  CHECK(size == 4096);
  Setup s;
  CHECK_FALSE(decode_setup("actpass", s));
  CHECK(s == Setup::actpass);
  CHECK(decode_setup("both", s));
  ConnectionMode m;
  CHECK_FALSE(decode_connection_mode("new", m));
  CHECK(m == ConnectionMode::fresh);
}

TEST_CASE("file transfer attributes (RFC 5547)") {
  FileSelector f;
  REQUIRE_FALSE(decode_file_selector(
      "name:\"My cool picture.jpg\" type:image/jpeg size:32349 hash:sha-1:72:24:5F:E8:65:3D:DA:F3:71:36:2F:86:D4:71:91:3E:E4:A2:CE:2E",
      f));
  CHECK(f.name == "My cool picture.jpg");
  CHECK(f.type == "image/jpeg");
  CHECK(f.size == 32349u);
  CHECK(f.hash_algorithm == "sha-1");
  CHECK(f.hash.substr(0, 5) == "72:24");
  const std::string encoded = encode(f);  // the decoded views point into it
  FileSelector again;
  REQUIRE_FALSE(decode_file_selector(encoded, again));
  CHECK(again.hash == f.hash);
  CHECK(decode_file_selector("name:\"unterminated", f));
  CHECK(decode_file_selector("name:\"\"", f));  // an empty name: the fuzzer found it did not encode back
  CHECK(decode_file_selector("size:12  type:text/plain", f));
  CHECK(decode_file_selector("hash:sha-1:7", f));
  CHECK(decode_file_selector("colour:blue", f));
  FileDate d;
  REQUIRE_FALSE(decode_file_date("creation:\"Mon, 15 May 2006 15:01:31 +0300\" read:\"Tue, 16 May 2006 10:00:00 +0300\"", d));
  CHECK(d.creation == "Mon, 15 May 2006 15:01:31 +0300");
  CHECK(d.read.starts_with("Tue"));
  CHECK(decode_file_date("creation:\"a\" creation:\"b\"", d));
  FileRange r;
  CHECK_FALSE(decode_file_range("1-*", r));
  CHECK_FALSE(r.stop);
  CHECK_FALSE(decode_file_range("10-20", r));
  CHECK(r.stop == 20u);
  CHECK(decode_file_range("0-20", r));
  CHECK(decode_file_range("30-20", r));
  CHECK_FALSE(decode_file_transfer_id("vBnG916bdberum2fFEABR1FR3ExZMUrd"));
  CHECK_FALSE(decode_file_disposition("attachment"));
  CHECK(decode_file_disposition("a b"));
}
