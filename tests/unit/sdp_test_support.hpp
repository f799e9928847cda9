// Shared by the SDP unit tests, the sdp_negotiate fuzz target and the
// offer/answer benchmark: the local capabilities the golden answers in
// tests/data/sdp/golden were written for, and the golden manifest.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sdp/negotiator.hpp"

namespace cosip::test {

inline sdp::LocalCapabilities golden_capabilities(sdp::SrtpMode srtp = sdp::SrtpMode::off, bool ice = false,
                                                  bool msrp_tls = false) {
  sdp::LocalCapabilities caps;
  caps.username = "cosip";
  caps.session_id = "4242";
  caps.session_version = 1;
  caps.address = "192.0.2.10";
  caps.audio.codecs = {sdp::AudioCodec("opus", 48000, 2, -1, "useinbandfec=1"), sdp::AudioCodec("PCMU", 8000, 1, 0),
                       sdp::AudioCodec("PCMA", 8000, 1, 8)};
  caps.audio.port = 40000;
  caps.audio.srtp = srtp;
  caps.audio.srtp_keys = {
      sdp::SrtpKey{"AES_CM_128_HMAC_SHA1_80", "d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj"},
      sdp::SrtpKey{"AES_CM_128_HMAC_SHA1_32", "NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj"},
  };
  if (ice) {
    sdp::IceParameters p;
    p.ufrag = "F7gI";
    p.pwd = "x9cml/YzichV2+XlhiMu8g";
    p.options = {"trickle"};
    p.candidates = {"1 1 UDP 2130706431 192.0.2.10 40000 typ host"};
    caps.audio.ice = p;
  }
  caps.msrp.host = "192.0.2.10";
  caps.msrp.port = 2855;
  caps.msrp.tls = msrp_tls;
  caps.msrp.session_id_prefix = "u8w3s";
  return caps;
}

struct GoldenCase {
  std::string name;
  sdp::SrtpMode srtp = sdp::SrtpMode::off;
  bool ice = false;
  bool msrp_tls = false;
  bool lenient = false;
  bool acceptable = true;
  std::string source;
};

// tests/data/sdp/golden/MANIFEST.tsv, comment lines skipped.
inline std::vector<GoldenCase> golden_cases(const std::string& dir) {
  std::vector<GoldenCase> cases;
  std::ifstream in(dir + "/MANIFEST.tsv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string srtp, ice, tls, parse, outcome;
    GoldenCase c;
    std::getline(fields, c.name, '\t');
    std::getline(fields, srtp, '\t');
    std::getline(fields, ice, '\t');
    std::getline(fields, tls, '\t');
    std::getline(fields, parse, '\t');
    std::getline(fields, outcome, '\t');
    std::getline(fields, c.source);
    c.srtp = srtp == "mandatory" ? sdp::SrtpMode::mandatory
             : srtp == "optional" ? sdp::SrtpMode::optional
                                  : sdp::SrtpMode::off;
    c.ice = ice == "1";
    c.msrp_tls = tls == "1";
    c.lenient = parse == "lenient";
    c.acceptable = outcome == "answer";
    cases.push_back(std::move(c));
  }
  return cases;
}

}  // namespace cosip::test
