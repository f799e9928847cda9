// The chat stream of the SIP SIMPLE middleware API (MSRPChat) over one
// MsrpSession: messages go out wrapped in CPIM (RFC 3862) when the peer
// accepts message/cpim, else as they are when their type is one the peer
// accepts (RFC 4975: SDP a=accept-types, a=accept-wrapped-types);
// messages come in unwrapped; delivery is reported per message id, on the
// peer's success report;
// is-composing (RFC 3994) goes both ways, never as a chat message.
// Notifications carry the middleware API's names. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "msrp/is_composing.hpp"
#include "msrp/session.hpp"

namespace cosip::msrp {

struct ChatIdentity {
  std::string uri;           // a SIP URI
  std::string display_name;  // may be empty
};

struct ChatConfig {
  ChatIdentity local;
  ChatIdentity remote;
  std::vector<std::string> remote_accept_types;          // the peer's a=accept-types
  std::vector<std::string> remote_accept_wrapped_types;  // the peer's a=accept-wrapped-types
};

struct ChatNotification {
  // MSRPChatGotMessage, MSRPChatDidDeliverMessage,
  // MSRPChatDidNotDeliverMessage, MSRPChatGotComposing.
  std::string name;
  std::string message_id;
  std::string content;
  std::string content_type;
  ChatIdentity from;     // GotMessage: CPIM From, else the session's remote identity
  std::string to;        // GotMessage: the first CPIM To
  std::string datetime;  // GotMessage: CPIM DateTime, "" when absent
  std::uint16_t code = 0;  // Did(Not)DeliverMessage
  std::string reason;
  std::optional<IsComposing> composing;  // GotComposing
};

class ChatStream {
 public:
  ChatStream(ChatConfig config, MsrpSession& session);

  // The message's id; none with `error` set when the peer takes neither
  // `content_type` nor message/cpim around it. `to_uri` defaults to the
  // remote identity; `datetime` (RFC 3339) is left out when empty.
  std::optional<std::string> send_message(std::string_view content, std::string_view content_type,
                                          std::string_view to_uri, std::string_view datetime, TimePoint now,
                                          std::string& error);
  // An application/im-iscomposing+xml status (RFC 3994 §4); no delivery
  // notification follows it.
  std::optional<std::string> send_composing(const IsComposing& status, TimePoint now, std::string& error);

  // The session's events, as notifications.
  std::vector<ChatNotification> on_session_events(const std::vector<SessionEvent>& events);

  bool peer_accepts_cpim() const { return cpim_; }

 private:
  std::optional<std::string> send(std::string_view content, std::string_view content_type, std::string_view to_uri,
                                  std::string_view datetime, ReportRequest success_report, TimePoint now,
                                  std::string& error);
  void on_message(const SessionEvent& e, std::vector<ChatNotification>& out);

  ChatConfig config_;
  MsrpSession& session_;
  bool cpim_ = false;
  std::vector<std::string> silent_ids_;  // is-composing messages: no delivery notification
};

// Whether `type` matches one of `accepted` (media types, "*" or "type/*"),
// case-insensitively; parameters of `type` are ignored.
bool media_type_accepted(std::string_view type, const std::vector<std::string>& accepted);

}  // namespace cosip::msrp
