// Registration (RFC 3261 §10.2): binds our contacts to an address of record
// at a registrar and keeps them bound until ended. Pure client usage.
//
// Flow:
//   start() -> REGISTER (Expires: N)
//     401/407        -> the same REGISTER with credentials (§22.2), CSeq+1
//     423            -> again with the registrar's Min-Expires (§10.2.8)
//     2xx            -> SCRegistrationDidSucceed (contacts, granted expiry);
//                       refresh before expiry (§10.2.4): same Call-ID, CSeq+1
//     other / none   -> SCRegistrationDidFail, retried after Retry-After or a
//                       back-off: retry_interval, doubled by each failure in
//                       a row up to max_retry_interval (RFC 5626 §4.5)
//   end() -> SCRegistrationWillEnd, REGISTER with our contacts at expires=0
//     any final      -> SCRegistrationDidEnd (code and reason of the answer)
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "sip/ua/ids.hpp"
#include "sip/usage/client_usage.hpp"

namespace cosip::sip {

struct RegistrationConfig {
  // request_uri: the registrar (§10.2: the AOR's domain); from and to: the AOR.
  UsageAddress address;
  std::vector<std::string> contacts;  // URIs to bind, e.g. "sip:alice@192.0.2.1:5060;transport=tcp"
  // RFC 5626 §4.1/§4.2: +sip.instance (e.g. "<urn:uuid:...>") and reg-id on
  // each contact; with a reg-id the REGISTER says Supported: outbound.
  std::string instance_id;
  std::uint32_t reg_id = 0;
  std::uint32_t expires = 3600;
  Duration retry_interval = std::chrono::seconds(30);  // first wait after a failure
  Duration max_retry_interval = std::chrono::minutes(30);
};

// A binding the registrar reported in a 2xx.
struct ContactBinding {
  std::string uri;
  std::uint32_t expires = 0;
  bool ours = false;
};

struct RegistrationEvent {
  enum class Kind : std::uint8_t { did_succeed, did_fail, will_end, did_end };

  Kind kind = Kind::did_succeed;
  int code = 0;  // of the response (408 / 503 when none came)
  std::string reason;
  std::vector<ContactBinding> contacts;  // did_succeed: every binding of the AOR
  std::uint32_t expires = 0;             // did_succeed: seconds granted to our contacts
  std::optional<std::uint32_t> retry_in; // did_fail: seconds until the next attempt

  // "SCRegistrationDidSucceed", "SCRegistrationDidFail", ...
  std::string_view name() const;
};

class Registration final : public ClientUsage {
 public:
  enum class State : std::uint8_t { idle, registering, registered, waiting_retry, unregistering, ended };
  using EventHandler = std::function<void(const RegistrationEvent&)>;

  Registration(RegistrationConfig config, DigestClient* digest, IdGenerator& ids, EventHandler on_event);

  State state() const { return state_; }
  const RegistrationConfig& config() const { return config_; }

  void start(TimePoint now);
  // Removes our bindings; DidEnd follows the registrar's answer. Without a
  // binding in place (never registered, or a failed attempt), DidEnd at once.
  void end(TimePoint now);

  std::optional<UsageRequest> poll_request() override;
  void on_response(const Message& response, TimePoint now) override;
  void on_no_response(int code, std::string_view reason, TimePoint now) override;
  std::optional<TimePoint> next_timeout() const override;
  void on_timeout(TimePoint now) override;

 private:
  void send();   // a new REGISTER (CSeq+1, fresh credentials)
  void build();  // the current REGISTER into pending_
  void remove_bindings(TimePoint now);
  void on_success(const Message& response, TimePoint now);
  void fail(int code, std::string reason, std::optional<std::uint32_t> retry_after, TimePoint now);
  void finish(int code, std::string reason);
  void emit(RegistrationEvent e);

  RegistrationConfig config_;
  RequestCredentials credentials_;
  EventHandler on_event_;
  std::string call_id_;
  std::string from_tag_;
  std::uint32_t cseq_ = 0;
  std::uint32_t expires_;  // asked for: config's, raised by a 423
  State state_ = State::idle;
  bool end_requested_ = false;  // end() while a REGISTER was outstanding
  bool bound_ = false;          // a binding may be in place at the registrar
  std::optional<std::string> pending_;  // the request to poll
  std::optional<TimePoint> timer_;      // refresh or retry
  RetryBackoff backoff_;
};

}  // namespace cosip::sip
