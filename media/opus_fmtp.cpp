#include "media/opus_fmtp.hpp"

#include <cctype>
#include <charconv>

namespace cosip::media {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Media type parameter names are case-insensitive (RFC 4855 §3).
bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  return true;
}

// A decimal integer in [low, high], the whole value and nothing else.
std::optional<int> integer(std::string_view value, int low, int high) {
  int n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc{} || end != value.data() + value.size() || n < low || n > high) return std::nullopt;
  return n;
}

void set_flag(std::string_view value, bool& flag) {
  if (const auto n = integer(value, 0, 1)) flag = *n == 1;
}

void set_int(std::string_view value, int low, int high, int& out) {
  if (const auto n = integer(value, low, high)) out = *n;
}

void set_int(std::string_view value, int low, int high, std::optional<int>& out) {
  if (const auto n = integer(value, low, high)) out = n;
}

}  // namespace

OpusFmtp parse_opus_fmtp(std::string_view fmtp) {
  OpusFmtp p;
  while (!fmtp.empty()) {
    const std::size_t semicolon = fmtp.find(';');
    const std::string_view item = fmtp.substr(0, semicolon);
    fmtp = semicolon == std::string_view::npos ? std::string_view{} : fmtp.substr(semicolon + 1);
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = trim(item.substr(0, eq));
    const std::string_view value = trim(item.substr(eq + 1));
    // Ranges from RFC 7587 §6.1.
    if (same_name(key, "maxplaybackrate")) set_int(value, 8000, 48000, p.max_playback_rate);
    else if (same_name(key, "sprop-maxcapturerate")) set_int(value, 8000, 48000, p.sprop_max_capture_rate);
    else if (same_name(key, "maxaveragebitrate")) set_int(value, 6000, 510000, p.max_average_bitrate);
    else if (same_name(key, "stereo")) set_flag(value, p.stereo);
    else if (same_name(key, "sprop-stereo")) set_flag(value, p.sprop_stereo);
    else if (same_name(key, "cbr")) set_flag(value, p.cbr);
    else if (same_name(key, "useinbandfec")) set_flag(value, p.use_inband_fec);
    else if (same_name(key, "usedtx")) set_flag(value, p.use_dtx);
    else if (same_name(key, "ptime")) set_int(value, 3, 120, p.ptime);
    else if (same_name(key, "minptime")) set_int(value, 3, 120, p.min_ptime);
    else if (same_name(key, "maxptime")) set_int(value, 3, 120, p.max_ptime);
  }
  return p;
}

}  // namespace cosip::media
