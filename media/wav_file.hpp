// Audio files through libsndfile: a source that reads any file libsndfile
// reads (WAV of any rate, channels and sample format, converted to 16-bit
// samples), once or over and over (a ringtone), and a sink that writes a
// 16-bit PCM WAV file (a call recording).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "media/audio_device.hpp"

struct sf_private_tag;

namespace cosip::media {

class WavFileSource final : public AudioSource {
 public:
  // Null with `error` set (naming the file and libsndfile's reason) when it
  // is missing or not audio libsndfile reads. With `loop`, the file starts
  // again at its end, and read() never returns 0 unless it is empty.
  static std::unique_ptr<WavFileSource> open(const std::string& path, bool loop, std::string& error);
  ~WavFileSource() override;
  WavFileSource(const WavFileSource&) = delete;
  WavFileSource& operator=(const WavFileSource&) = delete;

  int sample_rate() const override { return sample_rate_; }
  int channels() const override { return channels_; }
  std::int64_t frames() const { return frames_; }  // in the file
  std::size_t read(std::span<std::int16_t> out) override;

 private:
  WavFileSource(sf_private_tag* file, int sample_rate, int channels, std::int64_t frames, bool loop);

  sf_private_tag* file_;
  int sample_rate_;
  int channels_;
  std::int64_t frames_;
  bool loop_;
};

class WavFileSink final : public AudioSink {
 public:
  // Creates (or truncates) `path`. Null with `error` set (naming the file
  // and libsndfile's reason) when it cannot.
  static std::unique_ptr<WavFileSink> create(const std::string& path, int sample_rate, int channels,
                                             std::string& error);
  // Closes the file, completing its header.
  ~WavFileSink() override;
  WavFileSink(const WavFileSink&) = delete;
  WavFileSink& operator=(const WavFileSink&) = delete;

  int sample_rate() const override { return sample_rate_; }
  int channels() const override { return channels_; }
  std::size_t write(std::span<const std::int16_t> pcm) override;

 private:
  WavFileSink(sf_private_tag* file, int sample_rate, int channels);

  sf_private_tag* file_;
  int sample_rate_;
  int channels_;
};

}  // namespace cosip::media
