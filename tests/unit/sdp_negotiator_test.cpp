// RFC 3264 offer/answer: golden answers to offers captured from baresip and
// SIPp and taken from RFC 3264 / RFC 4317 / RFC 4975 / RFC 5547, checked
// field by field with the values the session layer reads; then two
// negotiators talking: initial offer, hold and unhold, re-offers and the o=
// version, streams removed and added into a freed slot, and the answer
// validator's refusals.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "sdp/negotiator.hpp"
#include "sdp/offer_answer.hpp"
#include "sdp_test_support.hpp"
#include "test_support.hpp"

using namespace cosip::sdp;
using cosip::test::golden_capabilities;

namespace {

const std::string golden_dir = cosip::test::data_dir() + "/sdp/golden";

SessionDescription load(const std::string& file, bool lenient = false) {
  SessionDescription sd;
  const std::string text = cosip::test::read_file(golden_dir + "/" + file);
  const ParseError e = parse(text, sd, lenient ? ParseOptions::lenient() : ParseOptions{});
  INFO(file << ": " << e.message());
  REQUIRE_FALSE(e);
  return sd;
}

void check_same(const SessionDescription& got, const SessionDescription& want) {
  CHECK(got.origin == want.origin);
  CHECK(got.session_name == want.session_name);
  CHECK(got.connection == want.connection);
  CHECK(got.times == want.times);
  CHECK(got.attributes == want.attributes);
  REQUIRE(got.media.size() == want.media.size());
  for (std::size_t i = 0; i < want.media.size(); ++i) {
    CAPTURE(i);
    const MediaDescription& g = got.media[i];
    const MediaDescription& w = want.media[i];
    CHECK(g.media == w.media);
    CHECK(g.port == w.port);
    CHECK(g.proto == w.proto);
    CHECK(g.formats == w.formats);
    CHECK(g.connections == w.connections);
    REQUIRE(g.attributes.size() == w.attributes.size());
    for (std::size_t a = 0; a < w.attributes.size(); ++a) {
      CAPTURE(w.attributes[a].name);
      CHECK(g.attributes[a] == w.attributes[a]);
    }
  }
}

SessionDescription answer_golden(const std::string& name, Negotiator& n, bool lenient = false) {
  const SessionDescription offer = load(name + ".offer.sdp", lenient);
  SessionDescription answer;
  const NegotiationError e = n.answer(offer, answer);
  INFO(e.message());
  REQUIRE_FALSE(e);
  return answer;
}

// A second endpoint with other capabilities: PCMA and PCMU only, no opus.
LocalCapabilities bob_capabilities() {
  LocalCapabilities caps = golden_capabilities();
  caps.username = "bob";
  caps.session_id = "9000";
  caps.address = "198.51.100.20";
  caps.audio.codecs = {AudioCodec("PCMA", 8000, 1, 8), AudioCodec("PCMU", 8000, 1, 0)};
  caps.audio.port = 50000;
  caps.msrp.host = "198.51.100.20";
  caps.msrp.session_id_prefix = "bobx";
  return caps;
}

FileDescription picture() {
  FileDescription f;
  f.name = "photo.jpg";
  f.type = "image/jpeg";
  f.size = 1024;
  f.hash_algorithm = "sha-1";
  f.hash = "72:24:5F:E8:65:3D:DA:F3:71:36:2F:86:D4:71:91:3E:E4:A2:CE:2E";
  f.transfer_id = "Xk3nT1";
  f.disposition = "attachment";
  return f;
}

}  // namespace

TEST_CASE("golden answers, every vector of the manifest") {
  const auto cases = cosip::test::golden_cases(golden_dir);
  REQUIRE(cases.size() == 19);
  for (const auto& c : cases) {
    CAPTURE(c.name);
    CAPTURE(c.source);
    const SessionDescription offer = load(c.name + ".offer.sdp", c.lenient);
    Negotiator n(golden_capabilities(c.srtp, c.ice, c.msrp_tls));
    SessionDescription answer;
    const NegotiationError e = n.answer(offer, answer);
    if (!c.acceptable) {
      CHECK(e.code == NegotiationErrc::not_acceptable);
      continue;
    }
    REQUIRE_FALSE(e);
    CHECK_FALSE(validate_answer(offer, answer));
    check_same(answer, load(c.name + ".answer.sdp"));
    CHECK(n.session().streams.size() == offer.media.size());
  }
}

TEST_CASE("baresip plain: PCMU chosen under the offer's payload types") {
  Negotiator n(golden_capabilities());
  answer_golden("baresip_plain", n);
  const NegotiatedStream* a = n.session().find(StreamKind::audio);
  REQUIRE(a);
  CHECK(a->codec == "PCMU");
  CHECK(a->payload_type == 0);
  CHECK(a->clock_rate == 8000);
  CHECK(a->telephone_event_payload_type == 101);
  CHECK(a->direction == Direction::sendrecv);
  CHECK(a->remote_address == "127.0.0.1");
  CHECK(a->remote_port == 27304);
  CHECK(a->remote_rtcp_port == 27305);  // RFC 3550 §11: RTP port + 1
  CHECK_FALSE(a->rtcp_mux);
  CHECK(a->remote_ptime == 20);
  CHECK_FALSE(a->srtp);
  CHECK_FALSE(a->remote_hold);
}

TEST_CASE("baresip SRTP: keys of both sides under the offered tag") {
  Negotiator n(golden_capabilities(SrtpMode::mandatory));
  answer_golden("baresip_srtp_mandatory", n);
  const NegotiatedStream* a = n.session().find(StreamKind::audio);
  REQUIRE(a);
  CHECK(a->codec == "opus");
  CHECK(a->payload_type == 96);
  CHECK(a->channels == 2);
  CHECK(a->codec_fmtp == "stereo=1;sprop-stereo=1;maxaveragebitrate=28000");
  REQUIRE(a->srtp);
  CHECK(a->srtp->tag == 1);
  CHECK(a->srtp->suite == "AES_CM_128_HMAC_SHA1_80");
  CHECK(a->srtp->remote_key == "JM0CSc7s0z2b8rgvVQPUsCHB10pI83PpcC8B7ukL");
  CHECK(a->srtp->local_key == "d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj");
}

TEST_CASE("ICE, rtcp-mux and MSRP over TLS") {
  Negotiator n(golden_capabilities(SrtpMode::optional, true, true));
  answer_golden("chat_and_audio_ice", n);
  const NegotiatedStream* a = n.session().find(StreamKind::audio);
  REQUIRE(a);
  CHECK(a->telephone_event_payload_type == 102);  // the 8000 Hz one
  CHECK(a->rtcp_mux);
  CHECK(a->remote_rtcp_port == 45664);
  REQUIRE(a->remote_ice);
  CHECK(a->remote_ice->ufrag == "8hhY");  // session level (RFC 8839 §5.4)
  CHECK(a->remote_ice->pwd == "asd88fgpdd777uzjYhagZg");
  CHECK(a->remote_ice->options == std::vector<std::string>{"trickle"});
  CHECK(a->remote_ice->candidates.size() == 2);
  const NegotiatedStream* chat = n.session().find(StreamKind::chat);
  REQUIRE(chat);
  CHECK(chat->remote_path == std::vector<std::string>{"msrps://198.51.100.7:2855/kjhd37s2s20w2a;tcp"});
  CHECK(chat->local_path == "msrps://192.0.2.10:2855/u8w3s1;tcp");
  CHECK(chat->remote_accept_types == std::vector<std::string>{"message/cpim", "text/plain"});
  CHECK(chat->msrp_active);  // we answered a=setup:active (RFC 6135)
}

TEST_CASE("holds from the remote side: a=sendonly and the old c=0.0.0.0") {
  for (const char* name : {"hold_sendonly", "hold_null_address"}) {
    CAPTURE(name);
    Negotiator n(golden_capabilities());
    answer_golden(name, n, true);
    const NegotiatedStream* a = n.session().find(StreamKind::audio);
    REQUIRE(a);
    CHECK(a->remote_hold);
    CHECK(a->direction == Direction::recvonly);
  }
}

TEST_CASE("chat and pushed file: paths, who connects, the file") {
  Negotiator chat(golden_capabilities());
  answer_golden("rfc4975_8_chat", chat);
  const NegotiatedStream* c = chat.session().find(StreamKind::chat);
  REQUIRE(c);
  CHECK_FALSE(c->msrp_active);  // no a=setup: the offerer connects (RFC 4975 §5.4)
  CHECK(c->remote_accept_types == std::vector<std::string>{"text/plain"});
  CHECK(c->remote_path == std::vector<std::string>{"msrp://alice.example.com:7394/2s93i9ek2a;tcp"});

  Negotiator file(golden_capabilities());
  answer_golden("rfc5547_9_1_push_file", file, true);
  const NegotiatedStream* f = file.session().find(StreamKind::file_transfer);
  REQUIRE(f);
  CHECK(f->direction == Direction::recvonly);
  REQUIRE(f->file);
  CHECK(f->file->name == "My cool picture.jpg");
  CHECK(f->file->size == 32349u);
  CHECK(f->file->transfer_id == "vBnG916bdberum2fFEABR1FR3ExZMUrd");
  CHECK(f->file->disposition == "attachment");

  Negotiator refusing(golden_capabilities());
  const SessionDescription offer = load("rfc5547_9_1_push_file.offer.sdp", true);
  SessionDescription answer;
  AnswerOptions options;
  options.refuse = {0};  // the user declined the file
  CHECK(refusing.answer(offer, answer, options).code == NegotiationErrc::not_acceptable);
}

TEST_CASE("two negotiators: offer, answer, hold, unhold, re-offer") {
  Negotiator alice(golden_capabilities());
  Negotiator bob(bob_capabilities());
  SessionDescription offer, answer;
  REQUIRE_FALSE(alice.make_offer({StreamRequest::audio(), StreamRequest::chat()}, offer));
  CHECK(alice.state() == Negotiator::State::offer_sent);
  CHECK(offer.origin.session_version == 1);
  CHECK(offer.media[0].formats == std::vector<std::string>{"96", "0", "8", "101"});
  CHECK(offer.media[1].find("setup")->value == "actpass");
  CHECK(alice.make_offer({StreamRequest::audio()}, offer).code == NegotiationErrc::offer_pending);

  REQUIRE_FALSE(bob.answer(offer, answer));
  CHECK(answer.media[0].formats == std::vector<std::string>{"0", "8", "101"});  // offer order kept (§6.1)
  REQUIRE_FALSE(alice.process_answer(answer));
  CHECK(alice.state() == Negotiator::State::stable);
  const NegotiatedStream* a = alice.session().find(StreamKind::audio);
  REQUIRE(a);
  CHECK(a->codec == "PCMU");
  CHECK(a->remote_address == "198.51.100.20");
  CHECK(a->remote_port == 50000);
  CHECK(a->rtcp_mux);
  const NegotiatedStream* chat = alice.session().find(StreamKind::chat);
  REQUIRE(chat);
  CHECK_FALSE(chat->msrp_active);  // bob answered active
  CHECK(bob.session().find(StreamKind::chat)->msrp_active);
  CHECK(chat->remote_path == std::vector<std::string>{"msrp://198.51.100.20:2855/bobx1;tcp"});

  // Hold (RFC 3264 §8.4): audio sendonly, chat untouched, version + 1.
  REQUIRE_FALSE(alice.hold(offer));
  CHECK(offer.origin.session_version == 2);
  CHECK(find_direction(offer.media[0].attributes) == Direction::sendonly);
  CHECK(find_direction(offer.media[1].attributes) == Direction::sendrecv);
  REQUIRE_FALSE(bob.answer(offer, answer));
  CHECK(find_direction(answer.media[0].attributes) == Direction::recvonly);
  CHECK(answer.origin.session_version == 2);  // bob's answer changed
  CHECK(bob.session().streams[0].remote_hold);
  REQUIRE_FALSE(alice.process_answer(answer));
  CHECK(alice.on_hold());
  CHECK(alice.session().streams[0].direction == Direction::sendonly);

  // A re-offer that changes nothing keeps the version (§8), and so does its answer.
  REQUIRE_FALSE(alice.reoffer(offer));
  CHECK(offer.origin.session_version == 2);
  REQUIRE_FALSE(bob.answer(offer, answer));
  CHECK(answer.origin.session_version == 2);
  REQUIRE_FALSE(alice.process_answer(answer));

  // Bob holds too while held: inactive.
  REQUIRE_FALSE(bob.hold(offer));
  REQUIRE_FALSE(alice.answer(offer, answer));
  CHECK(find_direction(answer.media[0].attributes) == Direction::inactive);
  REQUIRE_FALSE(bob.process_answer(answer));
  CHECK(bob.session().streams[0].direction == Direction::inactive);

  REQUIRE_FALSE(alice.unhold(offer));
  CHECK(find_direction(offer.media[0].attributes) == Direction::sendrecv);
  REQUIRE_FALSE(bob.answer(offer, answer));
  CHECK(find_direction(answer.media[0].attributes) == Direction::sendonly);  // bob still holds
  REQUIRE_FALSE(alice.process_answer(answer));
  CHECK_FALSE(alice.on_hold());
  CHECK(alice.session().streams[0].direction == Direction::recvonly);
}

TEST_CASE("a=rtcp for RTCP off port + 1 (ICE's RTCP candidate), not when muxed") {
  LocalCapabilities caps = golden_capabilities();
  caps.audio.rtcp_mux = false;
  caps.audio.rtcp_port = 40011;
  Negotiator alice(caps);
  Negotiator bob(bob_capabilities());
  SessionDescription offer, answer;
  REQUIRE_FALSE(alice.make_offer({StreamRequest::audio()}, offer));
  REQUIRE(offer.media[0].find("rtcp"));
  CHECK(offer.media[0].find("rtcp")->value == "40011");
  CHECK_FALSE(offer.media[0].has("rtcp-mux"));
  REQUIRE_FALSE(bob.answer(offer, answer));
  CHECK_FALSE(answer.media[0].has("rtcp"));  // bob has none to give
  const NegotiatedStream* a = bob.session().find(StreamKind::audio);
  REQUIRE(a);
  CHECK(a->remote_rtcp_port == 40011);  // RFC 3605 §2.1

  caps.audio.rtcp_mux = true;  // the RTCP port is the RTP port (RFC 5761)
  Negotiator muxed(caps);
  REQUIRE_FALSE(muxed.make_offer({StreamRequest::audio()}, offer));
  CHECK_FALSE(offer.media[0].has("rtcp"));
}

TEST_CASE("removing a stream sets port 0; adding one reuses the slot") {
  Negotiator alice(golden_capabilities());
  Negotiator bob(bob_capabilities());
  SessionDescription offer, answer;
  REQUIRE_FALSE(alice.make_offer({StreamRequest::audio(), StreamRequest::chat()}, offer));
  REQUIRE_FALSE(bob.answer(offer, answer));
  REQUIRE_FALSE(alice.process_answer(answer));

  REQUIRE_FALSE(alice.remove_stream(1, offer));  // RFC 3264 §8.2
  REQUIRE(offer.media.size() == 2);
  CHECK(offer.media[1].port == 0);
  CHECK(offer.media[1].media == "message");
  CHECK(offer.media[1].attributes.empty());
  REQUIRE_FALSE(bob.answer(offer, answer));
  CHECK(answer.media[1].port == 0);
  REQUIRE_FALSE(alice.process_answer(answer));
  CHECK_FALSE(alice.session().streams[1].accepted);
  CHECK(alice.remove_stream(1, offer).code == NegotiationErrc::no_such_stream);

  REQUIRE_FALSE(alice.add_stream(StreamRequest::send_file(picture()), offer));  // §8.1: the freed slot
  REQUIRE(offer.media.size() == 2);
  CHECK(offer.media[1].port == 2855);
  CHECK(find_direction(offer.media[1].attributes) == Direction::sendonly);
  CHECK(offer.media[1].find("path")->value == "msrp://192.0.2.10:2855/u8w3s2;tcp");  // a new MSRP session
  REQUIRE_FALSE(bob.answer(offer, answer));
  CHECK(find_direction(answer.media[1].attributes) == Direction::recvonly);
  CHECK(answer.media[1].find("file-selector")->value == offer.media[1].find("file-selector")->value);
  REQUIRE_FALSE(alice.process_answer(answer));
  const NegotiatedStream* f = alice.session().find(StreamKind::file_transfer);
  REQUIRE(f);
  CHECK(f->direction == Direction::sendonly);
  CHECK(f->file == picture());

  REQUIRE_FALSE(alice.add_stream(StreamRequest::chat(), offer));  // no free slot: appended
  CHECK(offer.media.size() == 3);
  REQUIRE_FALSE(alice.rollback());  // e.g. 488: the session stays as it was
  CHECK(alice.session().streams.size() == 2);
  CHECK(alice.rollback().code == NegotiationErrc::no_offer_pending);
}

TEST_CASE("offers the negotiator refuses and answers it rejects") {
  Negotiator alice(golden_capabilities());
  Negotiator bob(bob_capabilities());
  SessionDescription offer, answer;
  CHECK(alice.process_answer(offer).code == NegotiationErrc::no_offer_pending);
  REQUIRE_FALSE(alice.make_offer({StreamRequest::audio(), StreamRequest::chat()}, offer));
  REQUIRE_FALSE(bob.answer(offer, answer));

  // Each broken answer is refused with its reason; the good one is then accepted.
  SessionDescription bad = answer;
  bad.media.pop_back();
  CHECK(alice.process_answer(bad).detail == "m-line count differs from the offer");
  bad = answer;
  bad.media[0].formats = {"18"};
  CHECK(alice.process_answer(bad).detail == "m-line 0: no media format in common with the offer");
  bad = answer;
  bad.media[0].attributes.emplace_back("rtpmap", "0 G722/8000");
  bad.media[0].attributes.erase(bad.media[0].attributes.begin());
  CHECK(alice.process_answer(bad).detail == "m-line 0: payload type mapped to another codec than in the offer");
  bad = answer;
  bad.media[1].media = "audio";
  CHECK(alice.process_answer(bad).detail == "m-line 1: media type differs from the offer");
  bad = answer;
  bad.media[1].proto = "TCP/TLS/MSRP";
  CHECK(alice.process_answer(bad).detail == "m-line 1: transport protocol differs from the offer");
  bad = answer;
  bad.media[1].attributes.clear();
  CHECK(alice.process_answer(bad).detail == "m-line 1: no valid a=path");
  bad = answer;
  bad.times[0].stop = 5;
  CHECK(alice.process_answer(bad).detail == "t= differs from the offer");
  REQUIRE_FALSE(alice.process_answer(answer));

  // Direction: an answer may not send to a sendonly offer.
  REQUIRE_FALSE(alice.hold(offer));
  REQUIRE_FALSE(bob.answer(offer, answer));
  bad = answer;
  for (Attribute& a : bad.media[0].attributes)
    if (a.name == "recvonly") a.name = "sendrecv";
  CHECK(alice.process_answer(bad).detail == "m-line 0: direction incompatible with the offer");
  REQUIRE_FALSE(alice.process_answer(answer));

  // RFC 3264 §8: a re-offer from the peer may not drop m-lines.
  SessionDescription shorter = offer;
  shorter.media.pop_back();
  CHECK(bob.answer(shorter, answer).code == NegotiationErrc::invalid_offer);
  CHECK(alice.make_offer({StreamRequest::audio()}, offer).code == NegotiationErrc::session_exists);
}

TEST_CASE("SRTP: a crypto answer must answer an offered tag and suite") {
  Negotiator alice(golden_capabilities(SrtpMode::mandatory));
  Negotiator bob(golden_capabilities(SrtpMode::mandatory));
  SessionDescription offer, answer;
  REQUIRE_FALSE(alice.make_offer({StreamRequest::audio()}, offer));
  CHECK(offer.media[0].proto == "RTP/SAVP");
  CHECK(offer.media[0].values("crypto").size() == 2);
  REQUIRE_FALSE(bob.answer(offer, answer));
  SessionDescription bad = answer;
  for (Attribute& a : bad.media[0].attributes)
    if (a.name == "crypto") a.value = "7 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj";
  CHECK(alice.process_answer(bad).detail == "m-line 0: crypto tag and suite not offered");
  REQUIRE_FALSE(alice.process_answer(answer));
  const NegotiatedStream* a = alice.session().find(StreamKind::audio);
  REQUIRE(a->srtp);
  CHECK(a->srtp->tag == 1);
  CHECK(a->srtp->local_key == a->srtp->remote_key);  // both sides use the test key

  // A plain-RTP peer is refused by a mandatory-SRTP answerer.
  Negotiator plain(golden_capabilities());
  Negotiator strict(golden_capabilities(SrtpMode::mandatory));
  REQUIRE_FALSE(plain.make_offer({StreamRequest::audio()}, offer));
  CHECK(strict.answer(offer, answer).code == NegotiationErrc::not_acceptable);
}

TEST_CASE("chat through a relay: the Use-Path before our URI in a=path, and the peer connects") {
  const std::string relay = "msrps://relay.example.net:2855/s1795743523x5946;tcp";
  // Bob answers through his relay: passive to actpass, so alice connects, to the relay.
  Negotiator alice(golden_capabilities());
  LocalCapabilities bob_caps = bob_capabilities();
  bob_caps.msrp.relay_path = {relay};
  Negotiator bob(bob_caps);
  SessionDescription offer, answer;
  REQUIRE_FALSE(alice.make_offer({StreamRequest::chat()}, offer));
  REQUIRE_FALSE(bob.answer(offer, answer));
  CHECK(answer.media[0].find("setup")->value == "passive");
  CHECK(answer.media[0].find("path")->value == relay + " msrp://198.51.100.20:2855/bobx1;tcp");
  REQUIRE_FALSE(alice.process_answer(answer));
  const NegotiatedStream* chat = alice.session().find(StreamKind::chat);
  REQUIRE(chat);
  CHECK(chat->msrp_active);  // alice connects: to the path's first URI, bob's relay
  CHECK(chat->remote_path == std::vector<std::string>{relay, "msrp://198.51.100.20:2855/bobx1;tcp"});
  CHECK_FALSE(bob.session().find(StreamKind::chat)->msrp_active);

  // Alice offers through her relay: a=setup:passive, and bob answers active.
  LocalCapabilities alice_caps = golden_capabilities();
  alice_caps.msrp.relay_path = {relay};
  Negotiator alice2(alice_caps);
  Negotiator bob2(bob_capabilities());
  REQUIRE_FALSE(alice2.make_offer({StreamRequest::chat()}, offer));
  CHECK(offer.media[0].find("setup")->value == "passive");
  CHECK(offer.media[0].find("path")->value->starts_with(relay + " "));
  REQUIRE_FALSE(bob2.answer(offer, answer));
  CHECK(answer.media[0].find("setup")->value == "active");
  CHECK(bob2.session().find(StreamKind::chat)->msrp_active);
}
