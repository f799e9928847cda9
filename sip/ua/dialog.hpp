// Dialogs (RFC 3261 §12): the state two UAs share after an INVITE (or a
// SUBSCRIBE) succeeds, and the requests built inside it. Pure; owns its text.
//
// Flow: created Early by a 1xx with a To tag or Confirmed by a 2xx (UAC,
// §12.1.2), or by the UAS's own 1xx/2xx (§12.1.1); Early -> Confirmed on a
// 2xx; -> Terminated on BYE, on a non-2xx final for an early dialog, or by
// the TU.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/syntax/message.hpp"
#include "sip/transaction/timers.hpp"
#include "sip/ua/ids.hpp"

namespace cosip::sip {

struct DialogId {
  std::string call_id;
  std::string local_tag;
  std::string remote_tag;
  bool operator==(const DialogId&) const = default;
};

// What the UAS must answer to an in-dialog request before it is processed.
enum class DialogCheck : std::uint8_t {
  ok,
  out_of_order,  // §12.2.2: CSeq lower than the last one: 500
};

class Dialog {
 public:
  enum class State : std::uint8_t { early, confirmed, terminated };

  // §12.1.1: the UAS side, from the request it answers with a To tag.
  static Dialog as_uas(const Message& request, std::string_view local_tag, bool confirmed);
  // §12.1.2: the UAC side, from the request it sent and a 1xx/2xx with a To tag.
  static Dialog as_uac(const Message& request, const Message& response);
  // RFC 6665 §4.1.2.4: the subscriber's side, from a NOTIFY that arrived
  // before the 2xx to its SUBSCRIBE. The NOTIFY is a request, so it is read
  // as §12.1.1 reads one (its To tag is ours, its From tag the remote one, the
  // route set its Record-Route in order); our sequence number continues from
  // the SUBSCRIBE's CSeq.
  static Dialog as_subscriber(const Message& notify, std::uint32_t subscribe_seq);

  const DialogId& id() const { return id_; }
  State state() const { return state_; }
  void confirm() { state_ = State::confirmed; }
  void terminate() { state_ = State::terminated; }
  const std::string& remote_target() const { return remote_target_; }
  const std::vector<std::string>& route_set() const { return route_set_; }
  // We sent the request that made the dialog, so its Call-ID is ours (§14.1).
  bool owns_call_id() const { return call_id_owner_; }
  std::uint32_t local_seq() const { return local_seq_; }

  // §12.2.2: an incoming in-dialog request; updates the remote sequence
  // number and, for target refresh requests, the remote target.
  DialogCheck on_request(const Message& request);
  // §12.2.1.2: a 2xx to a target refresh request updates the remote target.
  void on_refresh_response(const Message& response);

  // §12.2.1.1: a request within the dialog. `via` is the whole Via value
  // (with a fresh branch), or empty for no Via (a client usage's request, to
  // which its shell adds one); CSeq is the next local number, except for
  // ACK, which takes `ack_seq` (the INVITE's number, §13.2.2.4).
  struct Request {
    std::string method;
    std::string via;
    std::string contact;       // for target refresh requests (re-INVITE, UPDATE)
    std::string extra_headers; // complete header lines, each ending in CRLF
    std::string body;
    std::string content_type;
    std::uint32_t ack_seq = 0;
  };
  std::string make_request(const Request& r);

  // Where a request of this dialog goes first: the first route, or the
  // remote target (§12.2.1.1, §8.1.2).
  std::string next_hop() const;

 private:
  DialogId id_;
  State state_ = State::early;
  std::uint32_t local_seq_ = 0;
  std::optional<std::uint32_t> remote_seq_;
  std::string local_uri_;   // From (UAC) / To (UAS), without tag
  std::string remote_uri_;
  std::string remote_target_;
  std::vector<std::string> route_set_;  // each a name-addr, in the order to use
  bool secure_ = false;
  bool call_id_owner_ = false;
};

// §14.1: how long a UAC whose re-INVITE got 491 waits before trying it again.
Duration glare_retry_delay(const Dialog& dialog, IdGenerator& ids);

// The URI text of a Contact's first entry, "" when absent or "*".
std::string contact_uri(const Message& msg);

}  // namespace cosip::sip
