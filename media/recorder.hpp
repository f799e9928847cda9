// Recording a call: each media tick, the local capture and the remote
// decoded audio are summed into one frame and written to a sink (a WAV file,
// media/wav_file.hpp); nothing is written while the call is on hold. Pure:
// the sink and the timestamp of the default file name come from the caller.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "media/audio_device.hpp"

namespace cosip::media {

// "<local>-<remote>-YYYYMMDD-HHMMSS.wav", the time in UTC. Each user keeps
// letters, digits and ". _ + @ -"; anything else (path separators, control
// characters, ':' of a URI scheme) becomes '_', and an empty user "unknown".
// The name never starts with '.', so it is neither hidden nor a parent
// directory.
std::string default_recording_name(std::string_view local_user, std::string_view remote_user,
                                   std::chrono::sys_seconds timestamp);

class CallRecorder {
 public:
  // Writes to `sink`, which must outlive the recorder; both directions come
  // at the sink's rate and channels.
  explicit CallRecorder(AudioSink& sink) : sink_(sink) {}

  // Hold: nothing is written until resume().
  void pause() { paused_ = true; }
  void resume() { paused_ = false; }
  bool paused() const { return paused_; }

  // One tick of both directions, summed with saturation; the shorter one
  // (an empty span when nothing was received) counts as silence for the
  // rest.
  void record(std::span<const std::int16_t> local, std::span<const std::int16_t> remote);
  std::uint64_t frames_written() const { return frames_written_; }

 private:
  AudioSink& sink_;
  bool paused_ = false;
  std::uint64_t frames_written_ = 0;
  std::vector<std::int16_t> mixed_;
};

}  // namespace cosip::media
