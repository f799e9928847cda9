// Subscription (RFC 6665): asks a notifier for the state of a resource and
// keeps the subscription up until ended, answering its NOTIFYs. Pure client
// usage; the dialog it creates (§4.4.1) lives here, not among the UA core's
// INVITE dialogs.
//
// Flow:
//   start() -> SUBSCRIBE (Event, Expires, Accept, Contact), a fresh Call-ID
//              and From tag per new subscription (§4.1.2.2)
//     401/407        -> the same SUBSCRIBE with credentials (RFC 3261 §22.2)
//     423            -> again with the notifier's Min-Expires (§4.2.1.1)
//     2xx            -> the dialog (RFC 3261 §12.1.2), SCSubscriptionDidSucceed;
//                       refresh in the dialog before expiry (§4.1.2.2)
//     other / none   -> SCSubscriptionDidFail, retried after Retry-After or a
//                       back-off, like Registration
//   NOTIFY (on_request) -> 200 and SCSubscriptionGotNotify; one before the 2xx
//              creates the dialog (§4.1.2.4); "terminated" ends the dialog and
//              then, by its reason (§4.1.3), subscribes again or ends
//              (SCSubscriptionDidEnd)
//   refresh answered 404, 405, 410, 416, 480-485, 489, 501, 604 -> ended
//              (§4.1.2.2); any other failure: retried while the subscription
//              lasts, SCSubscriptionDidEnd when it lapses
//   end() -> SCSubscriptionWillEnd, SUBSCRIBE with Expires: 0 (§4.1.2.3); the
//              final NOTIFY, a failure, or no NOTIFY within 32 s after the 2xx
//              -> SCSubscriptionDidEnd
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sip/ua/dialog.hpp"
#include "sip/ua/ids.hpp"
#include "sip/usage/client_usage.hpp"

namespace cosip::sip {

struct SubscriptionConfig {
  // request_uri and to: the resource (e.g. "sip:bob@example.com"); from: us.
  UsageAddress address;
  // Where the notifier sends its NOTIFYs, e.g. "sip:alice@192.0.2.1:5060": a
  // SUBSCRIBE creates a dialog, so it carries a Contact (RFC 3261 §8.1.1.8).
  std::string contact;
  std::string event;     // the event package, e.g. "presence"
  std::string event_id;  // the Event header's id parameter (§8.2.1); empty for none
  std::vector<std::string> accept;  // body types we read, e.g. "application/pidf+xml" (§4.1.2.1)
  std::uint32_t expires = 3600;
  std::string body;  // of the initial SUBSCRIBE (a filter, say); refreshes carry none
  std::string content_type;
  Duration retry_interval = std::chrono::seconds(30);  // first wait after a failure
  Duration max_retry_interval = std::chrono::minutes(30);
};

struct SubscriptionEvent {
  enum class Kind : std::uint8_t { did_succeed, did_fail, will_end, did_end, got_notify };

  Kind kind = Kind::did_succeed;
  // Of the response (408 / 503 when none came); did_end after a NOTIFY:
  // 0, and the reason parameter of its Subscription-State.
  int code = 0;
  std::string reason;
  std::uint32_t expires = 0;              // did_succeed: seconds granted
  std::optional<std::uint32_t> retry_in;  // did_fail: seconds until the next attempt, none when
                                          // the subscription lapses first
  // got_notify: the Subscription-State value ("active", "pending",
  // "terminated") and its parameters as received (reason, expires,
  // retry-after, ...: §8.2.3), and the body.
  std::string state;
  std::vector<std::pair<std::string, std::string>> state_params;
  std::string content_type;  // "" without a body
  std::string body;

  // "SCSubscriptionDidSucceed", "SCSubscriptionGotNotify", ...
  std::string_view name() const;
};

class Subscription final : public ClientUsage {
 public:
  enum class State : std::uint8_t { idle, subscribing, subscribed, refreshing, waiting_retry, unsubscribing, ended };
  using EventHandler = std::function<void(const SubscriptionEvent&)>;

  // `ids` must outlive the usage: every new subscription takes a fresh
  // Call-ID and From tag from it.
  Subscription(SubscriptionConfig config, DigestClient* digest, IdGenerator& ids, EventHandler on_event);

  State state() const { return state_; }
  const SubscriptionConfig& config() const { return config_; }
  // The subscription's dialog, once a 2xx or a NOTIFY created it.
  const Dialog* dialog() const { return dialog_ ? &*dialog_ : nullptr; }

  void start(TimePoint now);
  // Unsubscribes; DidEnd follows the final NOTIFY or the notifier's answer.
  // Without a subscription in place (never subscribed, a failed attempt),
  // DidEnd at once.
  void end(TimePoint now);

  std::optional<UsageRequest> poll_request() override;
  void on_response(const Message& response, TimePoint now) override;
  void on_no_response(int code, std::string_view reason, TimePoint now) override;
  // A NOTIFY of this subscription: 200, or 400 / 489 / 500 when it is
  // malformed, of another package or out of order; 0 when not ours.
  int on_request(const Message& request, TimePoint now) override;
  std::optional<TimePoint> next_timeout() const override;
  void on_timeout(TimePoint now) override;

 private:
  void subscribe();  // a new subscription: fresh Call-ID and From tag, no dialog
  void unsubscribe();
  void send();   // a new SUBSCRIBE (fresh credentials)
  void build();  // the current SUBSCRIBE into pending_, with the next CSeq
  bool in_dialog() const { return state_ == State::refreshing || state_ == State::unsubscribing; }
  std::string request_uri() const;
  void on_success(const Message& response, TimePoint now);
  void on_refresh_failure(int code, std::string reason, std::optional<std::uint32_t> retry_after, TimePoint now);
  void on_terminated(const TokenParams& state, TimePoint now);
  void schedule_refresh(std::uint32_t granted, TimePoint now);
  void fail(int code, std::string reason, std::optional<std::uint32_t> retry_after, TimePoint now);
  void finish(int code, std::string reason);
  void emit(SubscriptionEvent e);

  SubscriptionConfig config_;
  RequestCredentials credentials_;
  IdGenerator* ids_;
  EventHandler on_event_;
  std::string call_id_;
  std::string from_tag_;
  std::uint32_t cseq_ = 0;  // of the requests outside the dialog
  std::uint32_t expires_;   // asked for: config's, raised by a 423
  State state_ = State::idle;
  bool end_requested_ = false;   // end() while a SUBSCRIBE was outstanding
  bool outstanding_ = false;     // a polled SUBSCRIBE awaits its final answer
  bool ignore_answer_ = false;   // ... which belongs to a subscription since replaced
  std::optional<Dialog> dialog_;
  std::optional<UsageRequest> pending_;  // the request to poll
  std::optional<TimePoint> timer_;       // refresh, retry, lapse or the wait for the final NOTIFY
  std::optional<TimePoint> expires_at_;  // when the subscription lapses unless refreshed
  int unsubscribe_code_ = 0;             // the 2xx to the unsubscribe, for DidEnd without a final NOTIFY
  std::string unsubscribe_reason_;
  RetryBackoff backoff_;
};

}  // namespace cosip::sip
