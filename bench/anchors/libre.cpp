// Anchor: libre's SIP parser. sip_msg_decode() splits the message into
// headers (comma-separated values into one entry each) and decodes the
// request URI, the first Via, From, To, CSeq and Content-Type; Call-ID,
// Max-Forwards, Expires and Content-Length stay raw. The headers it leaves
// raw are decoded here with libre's own decoders, so that about the same set
// is decoded as in cosip: every further Via, each Contact / Route /
// Record-Route entry, Authorization, Event, Subscription-State and the
// numeric headers. Allow, Supported and the like are token lists that
// sip_msg_decode has already split. sip_msg_decode also draws a random
// 64-bit tag per message (OpenSSL RAND_bytes): part of its cost, kept.
//
// libre decodes from a struct mbuf that the message references: the bytes are
// copied into one reused mbuf per thread, as a transport would receive them.
#include <cstdint>

#include "bench/anchors.hpp"

// libre's headers expect the configuration its own build passes; without
// these they typedef the integer types themselves and #define true/false.
#define HAVE_INTTYPES_H 1
#define HAVE_STDBOOL_H 1
#include <re.h>  // wraps itself in extern "C"

namespace {

struct Decoded {
  bool ok = true;
  int index = 0;
};

// sip_msg_hdr_apply handlers: return true to stop the walk.
bool decode_via(const sip_hdr* hdr, const sip_msg*, void* arg) {
  auto& d = *static_cast<Decoded*>(arg);
  if (d.index++ == 0) return false;  // the first Via is decoded by sip_msg_decode
  sip_via via;
  d.ok = sip_via_decode(&via, &hdr->val) == 0;
  return !d.ok;
}

bool decode_addr(const sip_hdr* hdr, const sip_msg*, void* arg) {
  auto& d = *static_cast<Decoded*>(arg);
  sip_addr addr;
  d.ok = sip_addr_decode(&addr, &hdr->val) == 0;
  return !d.ok;
}

bool decode_credentials(const sip_hdr* hdr, const sip_msg*, void* arg) {
  auto& d = *static_cast<Decoded*>(arg);
  httpauth_digest_resp resp;
  d.ok = httpauth_digest_response_decode(&resp, &hdr->val) == 0;
  return !d.ok;
}

bool decode_event(const sip_hdr* hdr, const sip_msg*, void* arg) {
  auto& d = *static_cast<Decoded*>(arg);
  sipevent_event event;
  d.ok = sipevent_event_decode(&event, &hdr->val) == 0;
  return !d.ok;
}

bool decode_substate(const sip_hdr* hdr, const sip_msg*, void* arg) {
  auto& d = *static_cast<Decoded*>(arg);
  sipevent_substate state;
  d.ok = sipevent_substate_decode(&state, &hdr->val) == 0;
  return !d.ok;
}

bool decode_all(const sip_msg* msg, sip_hdrid id, sip_hdr_h* handler) {
  Decoded d;
  sip_msg_hdr_apply(msg, true, id, handler, &d);
  return d.ok;
}

bool decode_headers(const sip_msg* msg) {
  // Numbers: libre keeps them as text; pl_u32 is what its users call.
  volatile std::uint32_t sink = pl_u32(&msg->maxfwd) + pl_u32(&msg->expires) + pl_u32(&msg->clen);
  (void)sink;
  return decode_all(msg, SIP_HDR_VIA, decode_via) &&
         decode_all(msg, SIP_HDR_CONTACT, decode_addr) &&
         decode_all(msg, SIP_HDR_ROUTE, decode_addr) &&
         decode_all(msg, SIP_HDR_RECORD_ROUTE, decode_addr) &&
         decode_all(msg, SIP_HDR_AUTHORIZATION, decode_credentials) &&
         decode_all(msg, SIP_HDR_PROXY_AUTHORIZATION, decode_credentials) &&
         decode_all(msg, SIP_HDR_EVENT, decode_event) &&
         decode_all(msg, SIP_HDR_SUBSCRIPTION_STATE, decode_substate);
}

mbuf* receive_buffer() {
  static const bool initialised = libre_init() == 0;
  thread_local mbuf* buffer = initialised ? mbuf_alloc(8192) : nullptr;
  return buffer;  // lives as long as the thread; never freed
}

}  // namespace

bool libre_decode(std::string_view text) {
  mbuf* mb = receive_buffer();
  if (mb == nullptr) return false;
  mbuf_rewind(mb);
  if (mbuf_write_mem(mb, reinterpret_cast<const std::uint8_t*>(text.data()), text.size()) != 0)
    return false;
  mbuf_set_pos(mb, 0);

  sip_msg* msg = nullptr;
  if (sip_msg_decode(&msg, mb) != 0) return false;
  const bool ok = decode_headers(msg);
  mem_deref(msg);
  return ok;
}
