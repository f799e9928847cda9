// `cosip call URI`: one outgoing call, scripted by options, for tests and
// for trying a peer by hand (see README).
#pragma once

#include <string>

namespace cosip::apps {

struct CallOptions {
  std::string uri;                // whom to call: a SIP URI with a numeric host
  std::string transport = "udp";  // udp, tcp or tls
  int expect = 200;               // the final response the call must get
  int hangup_ms = 100;            // BYE this long after the answer; -1: wait for the peer's BYE
  int cancel_after_ms = -1;       // CANCEL this long after the first provisional response
  bool reinvite = false;          // send a re-INVITE (hold: a=sendonly) before hanging up
  bool reliable_provisionals = false;  // Supported: 100rel; the core PRACKs reliable 1xx (RFC 3262)
  int session_expires = 0;        // RFC 4028: Session-Expires to ask for, seconds; 0: no session timer
  std::string user;               // digest credentials for a 401/407
  std::string password;
  int timeout_s = 30;
  bool verbose = false;
  std::string tls_ca;
  bool tls_no_verify = false;
  // --audio: negotiated SDP and a real RTP stream sending a tone (Opus or G.711).
  bool audio = false;
  double tone_hz = 440;
  std::string codec = "PCMU";    // offered first: opus, PCMU or PCMA
  std::string record;            // WAV file the call's audio is recorded to
  std::string speaker;           // "wav:FILE" or a PortAudio output device
  std::string ringback;          // WAV played on the speaker on 180/183 until the answer
  std::string srtp = "off";      // off, optional or mandatory
  std::string dtmf;              // RFC 4733 digits sent a second after the answer
  bool ice = false;              // ICE (RFC 8839) with host candidates; the answer must have it
  double expect_tone_hz = 0;     // fail unless the received audio holds this tone
  std::string expect_dtmf;       // fail unless exactly these digits arrive
};

// Exit status: 0 when the call went as the options expect, 1 when not, 2
// for bad options.
int run_call(const CallOptions& options);

}  // namespace cosip::apps
