#include "media/recorder.hpp"

#include <algorithm>
#include <cstdio>

#include "media/mixer.hpp"

namespace cosip::media {

namespace {

std::string file_name_part(std::string_view user) {
  std::string out;
  for (const char c : user) {
    const bool kept = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '_' || c == '+' || c == '@' || c == '-';
    out += kept ? c : '_';
  }
  if (out.empty()) return "unknown";
  if (out.front() == '.') out.front() = '_';
  return out;
}

}  // namespace

std::string default_recording_name(std::string_view local_user, std::string_view remote_user,
                                   std::chrono::sys_seconds timestamp) {
  const auto day = std::chrono::floor<std::chrono::days>(timestamp);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time{timestamp - day};
  char stamp[48];  // room for any value the types can hold, not just real dates (-Wformat-truncation at -O3)
  std::snprintf(stamp, sizeof stamp, "%04d%02u%02u-%02ld%02ld%02ld", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<long>(time.hours().count()), static_cast<long>(time.minutes().count()),
                static_cast<long>(time.seconds().count()));
  return file_name_part(local_user) + "-" + file_name_part(remote_user) + "-" + stamp + ".wav";
}

void CallRecorder::record(std::span<const std::int16_t> local, std::span<const std::int16_t> remote) {
  if (paused_) return;
  const auto width = static_cast<std::size_t>(sink_.channels());
  const std::size_t samples = std::max(local.size(), remote.size()) / width * width;
  mixed_.resize(samples);
  for (std::size_t i = 0; i < samples; ++i) {
    const double a = i < local.size() ? local[i] : 0;
    const double b = i < remote.size() ? remote[i] : 0;
    mixed_[i] = saturate_sample(a + b);
  }
  frames_written_ += sink_.write(mixed_);
}

}  // namespace cosip::media
