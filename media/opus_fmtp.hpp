// The Opus media type parameters of an a=fmtp line (RFC 7587 §6.1), read
// from the peer's "key=value;key=value" text. Each describes the peer: what
// it wants to receive (maxplaybackrate, maxaveragebitrate, stereo, cbr,
// useinbandfec, usedtx, ptime bounds) or what it will send (sprop-*).
// Unknown keys are skipped; a missing, malformed or out-of-range value
// leaves the RFC's default, so no fmtp text can fail.
#pragma once

#include <optional>
#include <string_view>

namespace cosip::media {

struct OpusFmtp {
  int max_playback_rate = 48000;       // maxplaybackrate, Hz, 8000..48000
  int sprop_max_capture_rate = 48000;  // sprop-maxcapturerate, Hz, 8000..48000
  std::optional<int> max_average_bitrate;  // maxaveragebitrate, b/s, 6000..510000
  bool stereo = false;                 // the peer prefers to receive stereo
  bool sprop_stereo = false;           // the peer is likely to send stereo
  bool cbr = false;                    // the peer wants constant bitrate
  bool use_inband_fec = false;         // the peer's decoder uses in-band FEC
  bool use_dtx = false;                // the peer wants DTX
  std::optional<int> ptime;            // ms, as a=ptime (§7.1)
  std::optional<int> min_ptime;        // ms
  std::optional<int> max_ptime;        // ms, as a=maxptime (§7.1)
};

OpusFmtp parse_opus_fmtp(std::string_view fmtp);

}  // namespace cosip::media
