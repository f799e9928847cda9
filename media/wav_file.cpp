#include "media/wav_file.hpp"

#include <sndfile.h>

namespace cosip::media {

std::unique_ptr<WavFileSource> WavFileSource::open(const std::string& path, bool loop, std::string& error) {
  SF_INFO info{};
  SNDFILE* file = sf_open(path.c_str(), SFM_READ, &info);
  if (file == nullptr) {
    error = "cannot read audio file \"" + path + "\": " + sf_strerror(nullptr);
    return nullptr;
  }
  if (info.channels < 1 || info.samplerate < 1) {
    error = "cannot read audio file \"" + path + "\": " + std::to_string(info.channels) + " channel(s) at " +
            std::to_string(info.samplerate) + " Hz";
    sf_close(file);
    return nullptr;
  }
  // Floating-point files louder than full scale clip instead of wrapping.
  sf_command(file, SFC_SET_CLIPPING, nullptr, SF_TRUE);
  return std::unique_ptr<WavFileSource>(new WavFileSource(file, info.samplerate, info.channels, info.frames, loop));
}

WavFileSource::WavFileSource(SNDFILE* file, int sample_rate, int channels, std::int64_t frames, bool loop)
    : file_(file), sample_rate_(sample_rate), channels_(channels), frames_(frames), loop_(loop) {}

WavFileSource::~WavFileSource() { sf_close(file_); }

std::size_t WavFileSource::read(std::span<std::int16_t> out) {
  const auto width = static_cast<std::size_t>(channels_);
  const auto wanted = static_cast<sf_count_t>(out.size() / width);
  sf_count_t done = 0;
  bool rewound = false;  // and nothing read since: the file gives nothing
  while (done < wanted) {
    const sf_count_t got = sf_readf_short(file_, out.data() + done * channels_, wanted - done);
    if (got > 0) {
      done += got;
      rewound = false;
      continue;
    }
    if (!loop_ || rewound || sf_seek(file_, 0, SEEK_SET) != 0) break;
    rewound = true;
  }
  return static_cast<std::size_t>(done);
}

std::unique_ptr<WavFileSink> WavFileSink::create(const std::string& path, int sample_rate, int channels,
                                                 std::string& error) {
  SF_INFO info{};
  info.samplerate = sample_rate;
  info.channels = channels;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  if (sf_format_check(&info) == SF_FALSE) {
    error = "cannot write WAV file \"" + path + "\": 16-bit PCM at " + std::to_string(sample_rate) + " Hz, " +
            std::to_string(channels) + " channel(s) is not a valid WAV format";
    return nullptr;
  }
  SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
  if (file == nullptr) {
    error = "cannot write WAV file \"" + path + "\": " + sf_strerror(nullptr);
    return nullptr;
  }
  return std::unique_ptr<WavFileSink>(new WavFileSink(file, sample_rate, channels));
}

WavFileSink::WavFileSink(SNDFILE* file, int sample_rate, int channels)
    : file_(file), sample_rate_(sample_rate), channels_(channels) {}

WavFileSink::~WavFileSink() { sf_close(file_); }

std::size_t WavFileSink::write(std::span<const std::int16_t> pcm) {
  const auto frames = static_cast<sf_count_t>(pcm.size() / static_cast<std::size_t>(channels_));
  const sf_count_t written = sf_writef_short(file_, pcm.data(), frames);
  return written > 0 ? static_cast<std::size_t>(written) : 0;
}

}  // namespace cosip::media
