// apps/call_media answered by itself on loopback (the answer sends its RTP
// back to its own port), with the speaker a WAV file: what a digit sent
// puts on the speaker.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "apps/call_media.hpp"
#include "media/tone.hpp"
#include "media/wav_file.hpp"

using namespace cosip;

namespace {

// The port of the offer's m=audio line.
std::string audio_port(const std::string& sdp) {
  const std::size_t at = sdp.find("m=audio ");
  if (at == std::string::npos) return "";
  const std::size_t from = at + 8;
  return sdp.substr(from, sdp.find(' ', from) - from);
}

}  // namespace

TEST_CASE("a digit sent puts its two Q.23 tones on the speaker while it is sent, and only then") {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("cosip-call-media-" + std::to_string(::getpid()) + ".wav")).string();
  {
    apps::CallMediaOptions options;
    options.dtmf = "9";  // 852 Hz and 1477 Hz
    options.codec = "PCMU";
    options.speaker = "wav:" + path;
    apps::CallMedia media(options);
    std::string error;
    REQUIRE_MESSAGE(media.open(error), error);
    const std::string offer = media.offer(false, error);
    REQUIRE_MESSAGE(!offer.empty(), error);
    REQUIRE_MESSAGE(media.open_speaker(error), error);
    const std::string port = audio_port(offer);
    REQUIRE(!port.empty());
    const std::string answer =
        "v=0\r\no=peer 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        "m=audio " + port + " RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
        "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\n";
    REQUIRE_MESSAGE(media.on_answer(answer, error), error);
    // The digit goes 1 s after the answer, for 160 ms; the margin is for a
    // loaded machine.
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    media.stop();
  }
  std::string error;
  auto file = media::WavFileSource::open(path, false, error);
  REQUIRE_MESSAGE(file, error);
  const int rate = file->sample_rate();
  std::vector<std::int16_t> pcm(static_cast<std::size_t>(file->frames()) * static_cast<std::size_t>(file->channels()));
  pcm.resize(file->read(pcm) * static_cast<std::size_t>(file->channels()));
  file.reset();
  std::filesystem::remove(path);
  REQUIRE(pcm.size() > static_cast<std::size_t>(rate));  // over a second written

  // 20 ms blocks that carry both tones of 9, and blocks that carry a tone
  // of another row or column (1: 697 Hz and 1209 Hz).
  const auto block = static_cast<std::size_t>(rate / 50);
  int with_digit = 0, with_other = 0;
  for (std::size_t at = 0; at + block <= pcm.size(); at += block) {
    const std::span<const std::int16_t> b(pcm.data() + at, block);
    if (media::tone_energy_share(b, rate, 852) > 0.2 && media::tone_energy_share(b, rate, 1477) > 0.2) ++with_digit;
    if (media::tone_energy_share(b, rate, 697) > 0.2 || media::tone_energy_share(b, rate, 1209) > 0.2) ++with_other;
  }
  // The digit lasts 160 ms, 8 ticks of 20 ms, and its feedback goes on the
  // first tick after; a tick writes one block and comes at least 20 ms
  // after the one before (fewer under load, never more).
  CHECK(with_digit >= 3);
  CHECK(with_digit <= 9);
  CHECK(with_other == 0);
}
