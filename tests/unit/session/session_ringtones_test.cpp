// RingtoneConfiguration (inbound ringtone per SIP URI, matched as an address
// of record, RFC 3261 §10.3) and the outbound ringback rule.
#include <doctest/doctest.h>

#include <string>

#include "session/ringtones.hpp"

using namespace cosip::session;

TEST_CASE("ringtones: nothing registered and no default gives none") {
  RingtoneConfiguration config;
  CHECK_FALSE(config.get_ringtone_for_sipuri("sip:bob@example.com").has_value());
  CHECK_FALSE(config.outbound_ringtone.has_value());
}

TEST_CASE("ringtones: a registered URI, the default for the others") {
  RingtoneConfiguration config;
  config.default_inbound_ringtone = "default.wav";
  std::string error;
  REQUIRE(config.add_ringtone_for_sipuri("sip:bob@example.com", "bob.wav", error));
  CHECK(config.get_ringtone_for_sipuri("sip:bob@example.com") == "bob.wav");
  CHECK(config.get_ringtone_for_sipuri("sip:carol@example.com") == "default.wav");
  CHECK(config.get_ringtone_for_sipuri("sips:bob@example.com") == "default.wav");
  CHECK(config.get_ringtone_for_sipuri("not a uri") == "default.wav");

  SUBCASE("a later registration replaces the ringtone") {
    REQUIRE(config.add_ringtone_for_sipuri("sip:bob@example.com", "bob2.wav", error));
    CHECK(config.get_ringtone_for_sipuri("sip:bob@example.com") == "bob2.wav");
  }
  SUBCASE("removed, the default applies again") {
    CHECK(config.remove_sipuri("sip:bob@EXAMPLE.com"));
    CHECK_FALSE(config.remove_sipuri("sip:bob@example.com"));
    CHECK(config.get_ringtone_for_sipuri("sip:bob@example.com") == "default.wav");
  }
}

TEST_CASE("ringtones: URIs match as addresses of record") {
  RingtoneConfiguration config;
  std::string error;
  REQUIRE(config.add_ringtone_for_sipuri("sip:Bob@Example.COM", "bob.wav", error));
  // Host case, parameters and escapes do not matter; the user's case does.
  CHECK(config.get_ringtone_for_sipuri("SIP:Bob@example.com;transport=tcp") == "bob.wav");
  CHECK(config.get_ringtone_for_sipuri("sip:%42ob@example.com") == "bob.wav");
  CHECK(config.get_ringtone_for_sipuri("sip:Bob@example.com?subject=hi") == "bob.wav");
  CHECK_FALSE(config.get_ringtone_for_sipuri("sip:bob@example.com").has_value());
  // The port is part of the address.
  CHECK_FALSE(config.get_ringtone_for_sipuri("sip:Bob@example.com:5070").has_value());
}

TEST_CASE("ringtones: a URI that is not sip: or sips: is refused by name") {
  RingtoneConfiguration config;
  std::string error;
  CHECK_FALSE(config.add_ringtone_for_sipuri("tel:+15551234", "x.wav", error));
  CHECK(error.find("tel:+15551234") != std::string::npos);
  CHECK_FALSE(config.add_ringtone_for_sipuri("sip:bob@", "x.wav", error));
  CHECK(error.find("sip:bob@") != std::string::npos);
}

TEST_CASE("ringback: 180 and 183 ring until the answer") {
  OutboundRingback ringback;
  CHECK(ringback.play() == OutboundRingback::Play::nothing);
  ringback.on_provisional(100, false);
  CHECK(ringback.play() == OutboundRingback::Play::nothing);
  ringback.on_provisional(180, false);
  CHECK(ringback.play() == OutboundRingback::Play::ringtone);
  ringback.on_provisional(183, false);
  CHECK(ringback.play() == OutboundRingback::Play::ringtone);
  ringback.on_final();
  CHECK(ringback.play() == OutboundRingback::Play::nothing);
  ringback.on_provisional(180, false);  // a stray retransmission after the answer
  CHECK(ringback.play() == OutboundRingback::Play::nothing);
}

TEST_CASE("ringback: early media replaces the ringtone, for good") {
  OutboundRingback ringback;
  ringback.on_provisional(180, false);
  ringback.on_provisional(183, true);
  CHECK(ringback.play() == OutboundRingback::Play::early_media);
  ringback.on_provisional(180, false);
  CHECK(ringback.play() == OutboundRingback::Play::early_media);
  ringback.on_final();
  CHECK(ringback.play() == OutboundRingback::Play::nothing);
}

TEST_CASE("ringback: other provisional responses do not ring") {
  OutboundRingback ringback;
  ringback.on_provisional(181, false);  // call is being forwarded
  ringback.on_provisional(182, false);  // queued
  CHECK(ringback.play() == OutboundRingback::Play::nothing);
  ringback.on_provisional(200, false);  // not provisional: ignored
  CHECK(ringback.play() == OutboundRingback::Play::nothing);
}
