// The UA core (RFC 3261 §8, §12-§15, with RFC 3262, RFC 3311 and RFC 4028):
// what a user agent does with requests and responses above the transaction
// layer. Pure: messages and time go in, bytes to send and events for the
// application come out.
//
// Flow of an incoming request:
//   transaction layer (retransmissions absorbed) ->
//   CANCEL: matched to its INVITE: 200, and 487 to the INVITE (§9.2) ->
//   in a dialog (To tag): dialog found (else 481; a NOTIFY goes to the
//     application, whose subscription usages own their dialogs), CSeq in order (else 500),
//     BYE ends the dialog with 200 (§15.1.2) ->
//   outside: Request-URI scheme (416), merged request (482) ->
//   both: method (501/405), Require (420), session body type (415);
//     PRACK matched to its reliable 1xx (200, else 481; RFC 3262 §3);
//     Session-Expires below our Min-SE (422, RFC 4028 §9); an offer in a
//     dialog crossing ours (491) or one we have not answered (500; RFC 3311
//     §5.2); OPTIONS answered here (§11.2); the rest goes to the
//     application, which calls respond().
// Responses the application sends to an INVITE create the dialog (§12.1.1)
// and a 2xx is retransmitted until its ACK (§13.3.1.4). With 100rel, each
// 1xx but 100 is retransmitted until its PRACK, and a later reliable 1xx or
// 2xx waits for that PRACK (RFC 3262 §3).
// On the UAC side, each 2xx to an INVITE creates a dialog and is ACKed by the
// core, again for each retransmission (§13.2.2.4), even one that comes after
// the dialog ended (our BYE overtook a lost ACK); each reliable 1xx in
// RSeq order is PRACKed once by the core (RFC 3262 §4).
// A 2xx to an INVITE or UPDATE with Session-Expires, either way, (re)starts
// the dialog's session timer: at half the interval the refresher's
// application is asked for a refresh; the other side's core sends BYE when
// no refresh came (RFC 4028 §10).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sip/syntax/message.hpp"
#include "sip/transaction/transaction_layer.hpp"
#include "sip/ua/accepted_invite.hpp"
#include "sip/ua/dialog.hpp"
#include "sip/ua/ids.hpp"
#include "sip/ua/session_timer.hpp"

namespace cosip::sip {

// Where a message came from, as the I/O shell describes it.
struct Source {
  std::string address;  // IP address text, IPv6 without brackets
  std::uint16_t port = 0;
  bool reliable = false;     // TCP / TLS
  std::uint64_t context = 0; // the shell's handle for sending back (connection or address)
};

struct UaConfig {
  std::string contact;  // our Contact URI, e.g. "sip:cosip@127.0.0.1:5060"
  std::string user_agent = "cosip/0.1";
  // Methods this UA handles; a known SIP method outside this list gets 405.
  std::vector<std::string> allow = {"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "MESSAGE"};
  // Option tags we support; a Require naming another gets 420.
  std::vector<std::string> supported = {};
  // Body types accepted in INVITE (415 otherwise, with Accept).
  std::vector<std::string> session_types = {"application/sdp"};
  // RFC 3262: our 1xx but 100 to an INVITE that supports 100rel are sent
  // reliably, and the reliable 1xx we get are PRACKed. Adds "100rel" to
  // supported and PRACK to allow.
  bool reliable_provisionals = false;
  // RFC 3311: UPDATE is taken (added to allow).
  bool update = false;
  // RFC 4028: every INVITE session gets a session timer ("timer" added to supported).
  SessionTimerConfig session_timer;
  // The Via of requests the core builds itself (ACK of a 2xx, PRACK, BYE of
  // an expired session).
  std::string via_transport = "UDP";
  std::string via_sent_by;  // host:port
  TimerConfig timers;
};

// A message to send: to the shell's `context`, or, when `uri` is set, to the
// next hop that URI resolves to (the requests the core builds in a dialog,
// ACK, PRACK and BYE, follow the dialog's route).
struct Outgoing {
  std::uint64_t context = 0;
  std::string uri;
  std::string_view bytes;
  TransactionId transaction = 0;  // the transaction sending it, 0 for the core's own
};

class UserAgentCore {
 public:
  struct IncomingRequest {
    TransactionId id;
    const Message& request;
    Dialog* dialog;  // the dialog it belongs to, or nullptr
  };
  struct Callbacks {
    // A request the application must answer with respond().
    std::function<void(const IncomingRequest&)> on_request;
    // The ACK of a 2xx we sent arrived.
    std::function<void(Dialog&, const Message& ack)> on_ack;
    // An INVITE we had not answered finally was cancelled (487 already sent).
    std::function<void(TransactionId invite)> on_cancel;
    // A dialog ended: "BYE" received, "no ACK" for our 2xx, "no PRACK" for
    // our reliable 1xx (the INVITE got a 500), or "session expired" (the
    // core sent BYE, RFC 4028 §10).
    std::function<void(const Dialog&, std::string_view why)> on_dialog_end;
    // UAC: a response for a request we sent (provisional or final); for a
    // 2xx to INVITE, `dialog` is the dialog it created.
    std::function<void(TransactionId, const Message& response, Dialog* dialog)> on_response;
    // UAC: a request we sent got no final response (Timer B/F) or could not be sent.
    std::function<void(TransactionId, TransactionEvent::Kind)> on_request_failed;
    // RFC 4028 §10: half the session interval has passed and we refresh:
    // the application sends a re-INVITE or UPDATE in `dialog`, with
    // Session-Expires of `interval` seconds.
    std::function<void(Dialog&, std::uint32_t interval)> on_session_refresh;
  };

  UserAgentCore(UaConfig config, Callbacks callbacks);
  ~UserAgentCore();

  const UaConfig& config() const { return config_; }
  IdGenerator& ids() { return ids_; }

  void on_message(const Message& msg, const Source& source, TimePoint now);

  // Answers server transaction `id`. Headers: complete lines ending in CRLF.
  // False when the transaction is unknown or already answered finally. With
  // 100rel, a 1xx or 2xx given while a reliable 1xx awaits its PRACK is
  // queued and sent after that PRACK (RFC 3262 §3).
  bool respond(TransactionId id, TimePoint now, int code, std::string_view reason = {},
               std::string_view extra_headers = {}, std::string_view body = {}, std::string_view content_type = {});

  // UAC: starts a client transaction for a request built by the caller. An
  // INVITE or UPDATE with a body in a dialog is our pending offer until its
  // final response (RFC 3311 §5.2).
  TransactionId send_request(std::string request, bool reliable, std::uint64_t context, TimePoint now);

  // Ends a confirmed dialog with a BYE; returns the BYE's transaction, 0 when
  // no such dialog. `via` is a complete Via value without branch (added here).
  TransactionId send_bye(const DialogId& id, std::string_view via, bool reliable, std::uint64_t context,
                         TimePoint now);

  Dialog* find_dialog(const DialogId& id);
  // The dialog's running session timer (RFC 4028), or nullptr.
  const SessionTimer* session_timer(const DialogId& id) const;
  std::size_t dialog_count() const { return dialogs_.size(); }
  std::size_t transaction_count() const { return transactions_.size(); }

  // The transport could not send a message of `transaction` (§17.1.4, §17.2.4).
  void on_transport_error(TransactionId transaction);

  std::optional<TimePoint> next_timeout();
  void on_timeout(TimePoint now);
  // Drains what to send; each view is valid until the next call into the core.
  std::optional<Outgoing> poll_transmit();

 private:
  struct Pending;
  struct Uac;

  void on_request(const Message& msg, const Source& source, TimePoint now);
  void on_new_request(TransactionId id, const Message& msg, const Source& source, TimePoint now);
  void on_response(TransactionId id, const Message& msg, TimePoint now);
  bool on_provisional(TransactionId id, Uac& uac, Dialog& dialog, const std::string& key, const Message& msg,
                      TimePoint now);
  void on_stray_response(const Message& msg);
  void on_ack(const Message& msg);
  void handle_cancel(TransactionId id, const Message& msg, TimePoint now);
  void handle_prack(TransactionId id, const Message& msg, TimePoint now);
  bool send_response(TransactionId id, TimePoint now, int code, std::string_view reason,
                     std::string_view extra_headers, std::string_view body, std::string_view content_type);
  void send_queued(const std::string& key, TimePoint now);
  void send_own(const Dialog& dialog, std::string request, TimePoint now);
  std::string own_via();
  void expire_session(const std::string& key, TimePoint now);
  void drain_events();
  bool reject(TransactionId id, int code, std::string_view extra_headers, TimePoint now);
  void erase_dialog(std::unordered_map<std::string, Dialog>::iterator d);
  void schedule_accepted(std::string key, std::optional<TimePoint> at);
  std::optional<TimePoint> next_accepted_timeout();

  UaConfig config_;
  std::string allow_;  // config_.allow as an Allow header value, joined once
  Callbacks callbacks_;
  IdGenerator ids_;
  TransactionLayer transactions_;
  std::unordered_map<TransactionId, std::unique_ptr<Pending>> pending_;  // unanswered server transactions
  std::unordered_map<std::string, TransactionId> merge_keys_;            // §8.2.2.2
  std::unordered_map<TransactionId, std::unique_ptr<Uac>> uac_;          // INVITEs we sent
  std::unordered_map<std::string, Dialog> dialogs_;
  struct Accepted {
    AcceptedInvite invite;
    std::uint64_t context;  // where the INVITE came from
  };
  std::unordered_map<std::string, Accepted> accepted_;  // UAS: 2xx awaiting ACK, by dialog key
  // Their timers, a min-heap by deadline, and the keys whose 2xx is due
  // again: timers and flushing never walk every call awaiting its ACK.
  // Entries of a 2xx acknowledged or rescheduled since are skipped.
  struct AcceptedDeadline {
    TimePoint at;
    std::string key;
    bool operator>(const AcceptedDeadline& o) const { return at > o.at; }
  };
  std::vector<AcceptedDeadline> accepted_deadlines_;
  std::deque<std::string> accepted_due_;
  struct UacAck {
    std::uint32_t cseq = 0;  // of the INVITE it acknowledges
    TransactionId invite = 0;
    std::string bytes;
  };
  std::unordered_map<std::string, UacAck> acks_;        // UAC: ACK of the latest 2xx, by dialog key
  // A response the application gave while a reliable 1xx awaited its PRACK.
  struct QueuedResponse {
    int code;
    std::string reason, extra_headers, body, content_type;
  };
  // UAS: the reliable 1xx of one INVITE (RFC 3262 §3).
  struct Reliable {
    TransactionId invite = 0;
    std::uint32_t invite_cseq = 0;
    std::uint64_t context = 0;  // where the INVITE came from
    std::uint32_t next_rseq = 0;
    std::uint32_t unacked_rseq = 0;
    std::optional<AcceptedInvite> unacked;  // retransmitted until its PRACK
    std::deque<QueuedResponse> queued;
  };
  std::unordered_map<std::string, Reliable> reliable_;  // by dialog key
  // RFC 3311 §5.2: an offer awaiting its answer, ours or the peer's.
  struct Offer {
    bool ours;
    TransactionId transaction;  // the request (or INVITE) that carried it
  };
  std::unordered_map<std::string, Offer> offers_;                // by dialog key
  std::unordered_map<std::string, SessionTimer> session_timers_; // by dialog key
  std::unordered_map<TransactionId, std::string> own_;  // the core's PRACKs and BYEs, to their next hop
  std::deque<Outgoing> outgoing_;                        // views into acks_ and Uac::ended
  Outgoing last_;
};

std::string dialog_key(std::string_view call_id, std::string_view local_tag, std::string_view remote_tag);

}  // namespace cosip::sip
