// `cosip responder`: a UAS for tests and benchmarks (see README).
#pragma once

#include <string>
#include <vector>

namespace cosip::apps {

struct ResponderOptions {
  std::vector<std::string> listen;  // "udp:127.0.0.1:5060", "tcp:[::1]:5060", "tls:..."
  int code = 200;                   // final response to INVITE
  int ring_ms = 0;                  // 180 Ringing first, final response this much later
  int hangup_ms = -1;               // send BYE this long after the ACK (-1: never)
  bool reliable_provisionals = false;  // RFC 3262: 180 sent reliably to callers that support 100rel
  bool verbose = false;
  int udp_buffer = 0;               // UDP socket buffer bytes (0: the system's default)
  std::string tls_certificate;
  std::string tls_key;
  std::string tls_ca;
  std::string register_aor;  // register this AOR for our Contact while running
  std::string registrar;     // its registrar (default: the AOR's domain)
  std::string password;      // digest password (user: the AOR's user)
  // Where the inbound ringtone is heard while a call rings (--ring-ms):
  // "" nowhere, "wav:FILE", or a PortAudio output device by name.
  std::string speaker;
  std::string ringtone;                   // WAV for any caller (the default inbound ringtone)
  std::vector<std::string> ringtone_for;  // "SIP-URI=FILE.wav": the ringtone for that caller
};

// Runs until SIGINT or SIGTERM. Returns the process exit status.
int run_responder(const ResponderOptions& options);

}  // namespace cosip::apps
