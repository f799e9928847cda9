// Publication (RFC 3903): puts our event state (presence, say) at an event
// state compositor and keeps it there until ended. Pure client usage.
//
// Flow:
//   publish(body) -> PUBLISH (Event, Expires, body): the initial publication (§4.2)
//     401/407        -> the same PUBLISH with credentials (RFC 3261 §22.2), CSeq+1
//     423            -> again with the compositor's Min-Expires (§5)
//     2xx            -> keep its SIP-ETag and Expires (§4.1, §5),
//                       SCPublicationDidSucceed; refresh before expiry with
//                       SIP-If-Match and no body (§4.3)
//     412            -> to a PUBLISH with SIP-If-Match: the state is gone, so an
//                       initial PUBLISH with the last body (§5)
//     other / none   -> SCPublicationDidFail, retried after Retry-After or a
//                       back-off, like Registration
//   publish(body) while published -> SIP-If-Match with the new body (§4.4);
//     while a PUBLISH is in flight it waits for the answer, the latest body winning
//   end() -> SCPublicationWillEnd, PUBLISH with SIP-If-Match and Expires: 0 (§4.5)
//     any final      -> SCPublicationDidEnd (code and reason of the answer)
#pragma once

#include <functional>
#include <string>

#include "sip/ua/ids.hpp"
#include "sip/usage/client_usage.hpp"

namespace cosip::sip {

struct PublicationConfig {
  // request_uri, from and to: the presentity, e.g. "sip:alice@example.com" (§4).
  UsageAddress address;
  std::string event = "presence";
  std::string content_type = "application/pidf+xml";  // of bodies published without a type
  std::uint32_t expires = 3600;
  Duration retry_interval = std::chrono::seconds(30);  // first wait after a failure
  Duration max_retry_interval = std::chrono::minutes(30);
};

struct PublicationEvent {
  enum class Kind : std::uint8_t { did_succeed, did_fail, will_end, did_end };

  Kind kind = Kind::did_succeed;
  int code = 0;  // of the response (408 / 503 when none came)
  std::string reason;
  std::uint32_t expires = 0;              // did_succeed: seconds granted
  std::string etag;                       // did_succeed: the entity-tag the compositor gave
  std::optional<std::uint32_t> retry_in;  // did_fail: seconds until the next attempt

  // "SCPublicationDidSucceed", "SCPublicationDidFail", ...
  std::string_view name() const;
};

class Publication final : public ClientUsage {
 public:
  enum class State : std::uint8_t { idle, publishing, published, waiting_retry, unpublishing, ended };
  using EventHandler = std::function<void(const PublicationEvent&)>;

  Publication(PublicationConfig config, DigestClient* digest, IdGenerator& ids, EventHandler on_event);

  State state() const { return state_; }
  const PublicationConfig& config() const { return config_; }
  // The entity-tag of the state in place, "" when none is.
  const std::string& etag() const { return etag_; }

  // Publishes `body` (of `content_type`, the config's when empty): an
  // initial publication, or a modification of the one in place. While a
  // PUBLISH is outstanding (or being removed by end()) it is sent after that
  // one's answer.
  void publish(std::string body, std::string content_type, TimePoint now);
  // Removes our state; DidEnd follows the compositor's answer. Without state
  // in place (never published, or no entity-tag yet), DidEnd at once.
  void end(TimePoint now);

  std::optional<UsageRequest> poll_request() override;
  void on_response(const Message& response, TimePoint now) override;
  void on_no_response(int code, std::string_view reason, TimePoint now) override;
  std::optional<TimePoint> next_timeout() const override;
  void on_timeout(TimePoint now) override;

 private:
  void send();   // a new PUBLISH (CSeq+1, fresh credentials)
  void build();  // the current PUBLISH into pending_
  // Initial and modifying PUBLISHes carry the body; refreshes and the removal do not (§4, Table 1).
  bool carries_body() const;
  void unpublish();
  void on_success(const Message& response, TimePoint now);
  void fail(int code, std::string reason, std::optional<std::uint32_t> retry_after, TimePoint now);
  void finish(int code, std::string reason);
  void emit(PublicationEvent e);

  PublicationConfig config_;
  RequestCredentials credentials_;
  EventHandler on_event_;
  std::string call_id_;
  std::string from_tag_;
  std::uint32_t cseq_ = 0;
  std::uint32_t expires_;  // asked for: config's, raised by a 423
  State state_ = State::idle;
  bool end_requested_ = false;  // end() while a PUBLISH was outstanding
  bool republish_ = false;      // publish() while the removal was outstanding
  std::string etag_;            // SIP-ETag of the state in place (§4.1)
  std::string body_;            // the latest body given to publish()
  std::string content_type_;
  // publish() calls numbered: the latest, the one the compositor holds, and
  // the one the outstanding PUBLISH carries (0: none).
  std::uint64_t version_ = 0;
  std::uint64_t accepted_version_ = 0;
  std::uint64_t sent_version_ = 0;
  std::optional<std::string> pending_;  // the request to poll
  std::optional<TimePoint> timer_;      // refresh or retry
  RetryBackoff backoff_;
};

}  // namespace cosip::sip
