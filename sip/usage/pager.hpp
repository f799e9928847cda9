// Pager-mode instant messages (RFC 3428): MESSAGE requests outside any
// dialog, one at a time in the order sent. Pure client usage.
//
// Flow:
//   send(body) -> a message id; the MESSAGE goes out when those before it
//                 are answered
//     401/407        -> the same MESSAGE with credentials (RFC 3261 §22.2), CSeq+1
//     2xx            -> SCPagerDidDeliverMessage (a 202 only says the
//                       recipient's side took it for later delivery)
//     other / none   -> SCPagerDidNotDeliverMessage (code, reason); no retry
//
// The middleware API names no pager-mode notifications; these follow its
// ABClassNameVerbNoun rule and its MSRP chat's SCSessionDidDeliverMessage /
// SCSessionDidNotDeliverMessage / SCSessionGotMessage.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>

#include "sip/ua/ids.hpp"
#include "sip/usage/client_usage.hpp"

namespace cosip::sip {

struct PagerConfig {
  // request_uri and to: the recipient, e.g. "sip:bob@example.com"; from: us.
  UsageAddress address;
};

struct PagerEvent {
  enum class Kind : std::uint8_t { did_deliver, did_not_deliver };

  Kind kind = Kind::did_deliver;
  int code = 0;  // of the response (408 / 503 when none came)
  std::string reason;
  std::uint64_t message_id = 0;  // as send() returned it

  // "SCPagerDidDeliverMessage", "SCPagerDidNotDeliverMessage"
  std::string_view name() const;
};

class Pager final : public ClientUsage {
 public:
  using EventHandler = std::function<void(const PagerEvent&)>;

  Pager(PagerConfig config, DigestClient* digest, IdGenerator& ids, EventHandler on_event);

  const PagerConfig& config() const { return config_; }
  // Messages sent and not yet answered, the one in flight included.
  std::size_t queued() const { return queue_.size(); }

  // Queues a message; returns its id (1, 2, ...), which its event carries.
  std::uint64_t send(std::string body, std::string content_type, TimePoint now);

  std::optional<UsageRequest> poll_request() override;
  void on_response(const Message& response, TimePoint now) override;
  void on_no_response(int code, std::string_view reason, TimePoint now) override;
  std::optional<TimePoint> next_timeout() const override { return std::nullopt; }
  void on_timeout(TimePoint now) override { (void)now; }

 private:
  struct Outgoing {
    std::uint64_t id = 0;
    std::string body;
    std::string content_type;
  };

  void send_next();  // the first queued message, unless one is in flight
  void build();      // the first queued MESSAGE into pending_, CSeq+1
  void done(PagerEvent::Kind kind, int code, std::string reason);

  PagerConfig config_;
  RequestCredentials credentials_;
  EventHandler on_event_;
  std::string call_id_;
  std::string from_tag_;
  std::uint32_t cseq_ = 0;
  std::uint64_t last_id_ = 0;
  std::deque<Outgoing> queue_;
  bool in_flight_ = false;  // the front of queue_ is pending or sent
  std::optional<std::string> pending_;
};

// A MESSAGE the UA core handed to the application, as values.
struct PagerMessage {
  std::string from;  // From URI
  std::string to;    // To URI
  std::string content_type;
  std::string body;

  std::string_view name() const { return "SCPagerGotMessage"; }
};

PagerMessage received_message(const Message& request);

}  // namespace cosip::sip
