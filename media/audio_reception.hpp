// Whether audio came in, for Session.audio_was_received and the
// SCSessionGotNoAudio notification (SIP SIMPLE middleware API: "sent if 5
// seconds after the audio stream starts, no audio was received from the
// remote party"). Pure: time is an input; the owner arms a timer for
// deadline() and calls on_timeout().
#pragma once

#include <chrono>
#include <optional>

namespace cosip::media {

class AudioReception {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  explicit AudioReception(std::chrono::milliseconds grace = std::chrono::seconds(5)) : grace_(grace) {}

  // The audio stream started (again, after a re-INVITE that replaced it:
  // the grace period starts over, audio_was_received stays as it was).
  void start(TimePoint now);
  // A packet was decoded (concealment does not count).
  void on_decoded();
  // When on_timeout() must be called; none once audio came in or the
  // report was made.
  std::optional<TimePoint> deadline() const;
  // True exactly once per start(): the grace period ended with no audio.
  bool on_timeout(TimePoint now);

  bool audio_was_received() const { return received_; }

 private:
  std::chrono::milliseconds grace_;
  std::optional<TimePoint> deadline_;
  bool received_ = false;
};

}  // namespace cosip::media
