#include "media/audio_reception.hpp"

namespace cosip::media {

void AudioReception::start(TimePoint now) {
  deadline_.reset();
  if (!received_) deadline_ = now + grace_;
}

void AudioReception::on_decoded() {
  received_ = true;
  deadline_.reset();
}

std::optional<AudioReception::TimePoint> AudioReception::deadline() const { return deadline_; }

bool AudioReception::on_timeout(TimePoint now) {
  if (!deadline_ || now < *deadline_) return false;
  deadline_.reset();
  return true;
}

}  // namespace cosip::media
