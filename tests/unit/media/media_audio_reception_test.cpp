// AudioReception: audio_was_received and the one "no audio for 5 seconds"
// report (SCSessionGotNoAudio), on a virtual clock.
#include <doctest/doctest.h>

#include <chrono>

#include "media/audio_reception.hpp"

using namespace cosip::media;
using namespace std::chrono_literals;

namespace {
const AudioReception::TimePoint t0{std::chrono::seconds(1000)};
}

TEST_CASE("reception: nothing decoded for 5 s is reported once") {
  AudioReception reception;
  CHECK_FALSE(reception.deadline().has_value());
  reception.start(t0);
  REQUIRE(reception.deadline() == t0 + 5s);
  CHECK_FALSE(reception.on_timeout(t0 + 4999ms));
  CHECK(reception.on_timeout(t0 + 5s));
  CHECK_FALSE(reception.deadline().has_value());
  CHECK_FALSE(reception.on_timeout(t0 + 10s));
  CHECK_FALSE(reception.audio_was_received());
}

TEST_CASE("reception: a decoded packet in time means no report") {
  AudioReception reception;
  reception.start(t0);
  reception.on_decoded();
  CHECK(reception.audio_was_received());
  CHECK_FALSE(reception.deadline().has_value());
  CHECK_FALSE(reception.on_timeout(t0 + 6s));
}

TEST_CASE("reception: late audio still sets audio_was_received") {
  AudioReception reception;
  reception.start(t0);
  CHECK(reception.on_timeout(t0 + 5s));
  reception.on_decoded();
  CHECK(reception.audio_was_received());
}

TEST_CASE("reception: a restarted stream starts the grace period over") {
  AudioReception reception(2s);
  reception.start(t0);
  reception.start(t0 + 1s);
  CHECK_FALSE(reception.on_timeout(t0 + 2s));
  CHECK(reception.on_timeout(t0 + 3s));
  // Once audio came, a restart does not arm the report again.
  reception.on_decoded();
  reception.start(t0 + 10s);
  CHECK_FALSE(reception.deadline().has_value());
}
