// Anchor: the sofia-sip msg/sip parser (libsofia-sip-ua), fed the way its UDP
// transport feeds it. msg_extract() parses every header the default SIP
// mclass knows while it splits the message, so nothing is left to decode here.
//
// The message is copied into a fresh msg_t buffer on each call: sofia parses
// in place (it writes NULs into the buffer) and a msg_t cannot be reused, so
// msg_create + copy + msg_destroy is part of the cost of its API.
#include <cstring>

#include <sofia-sip/msg.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_protos.h>

#include "bench/anchors.hpp"

bool sofia_sip_decode(std::string_view text) {
  msg_t* msg = msg_create(sip_default_mclass(), 0);
  if (msg == nullptr) return false;

  bool ok = false;
  msg_iovec_t iov[2];
  if (!text.empty() && msg_recv_iovec(msg, iov, 2, text.size(), 1) == 1 &&
      iov[0].mv_len == text.size()) {
    std::memcpy(iov[0].mv_base, text.data(), text.size());
    msg_recv_commit(msg, text.size(), 1);  // 1: end of stream, the datagram is whole
    if (msg_extract(msg) > 0) {
      const sip_t* sip = sip_object(msg);
      // A header that fails to parse ends up in sip_error (or, if critical,
      // fails msg_extract): accept only messages where every header parsed.
      ok = sip != nullptr && (sip->sip_request != nullptr || sip->sip_status != nullptr) &&
           sip->sip_via != nullptr && sip->sip_from != nullptr && sip->sip_to != nullptr &&
           sip->sip_call_id != nullptr && sip->sip_cseq != nullptr && sip->sip_error == nullptr &&
           msg_extract_errors(msg) == 0;
    }
  }
  msg_destroy(msg);
  return ok;
}
