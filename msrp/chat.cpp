#include "msrp/chat.hpp"

#include <algorithm>
#include <cctype>

#include "msrp/cpim.hpp"

namespace cosip::msrp {
namespace {

constexpr std::string_view cpim_type = "message/cpim";
constexpr std::string_view composing_type = "application/im-iscomposing+xml";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "text/plain; charset=utf-8" -> "text/plain"
std::string_view bare_type(std::string_view type) {
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return type;
}

}  // namespace

bool media_type_accepted(std::string_view type, const std::vector<std::string>& accepted) {
  const std::string t = lower(bare_type(type));
  const std::string major = t.substr(0, t.find('/'));
  return std::any_of(accepted.begin(), accepted.end(), [&](const std::string& a) {
    const std::string pattern = lower(bare_type(a));
    return pattern == "*" || pattern == t || (pattern.ends_with("/*") && pattern.substr(0, pattern.size() - 2) == major);
  });
}

ChatStream::ChatStream(ChatConfig config, MsrpSession& session)
    : config_(std::move(config)),
      session_(session),
      cpim_(media_type_accepted(cpim_type, config_.remote_accept_types)) {}

std::optional<std::string> ChatStream::send_message(std::string_view content, std::string_view content_type,
                                                    std::string_view to_uri, std::string_view datetime, TimePoint now,
                                                    std::string& error) {
  // Delivered means the peer has it: its REPORT, not a relay's 200 for the
  // hop (RFC 4975 §7.1.2, RFC 4976 §7.1).
  return send(content, content_type, to_uri, datetime, ReportRequest::yes, now, error);
}

std::optional<std::string> ChatStream::send_composing(const IsComposing& status, TimePoint now, std::string& error) {
  std::optional<std::string> id =
      send(serialize_is_composing(status), composing_type, {}, {}, ReportRequest::no, now, error);
  if (id) silent_ids_.push_back(*id);
  return id;
}

std::optional<std::string> ChatStream::send(std::string_view content, std::string_view content_type,
                                            std::string_view to_uri, std::string_view datetime,
                                            ReportRequest success_report, TimePoint now, std::string& error) {
  OutgoingMessage m;
  m.success_report = success_report;
  // RFC 3862 inside MSRP: what the peer takes wrapped, or anything when it
  // lists no wrapped types.
  const bool wrap = cpim_ && (config_.remote_accept_wrapped_types.empty() ||
                              media_type_accepted(content_type, config_.remote_accept_wrapped_types));
  if (wrap) {
    CpimMessage cpim;
    cpim.from = CpimAddress{config_.local.display_name, config_.local.uri};
    cpim.to.push_back(CpimAddress{to_uri.empty() ? config_.remote.display_name : std::string(),
                                  to_uri.empty() ? config_.remote.uri : std::string(to_uri)});
    cpim.date_time = std::string(datetime);
    cpim.content_type = content_type;
    cpim.content = content;
    if (const CpimError e = wrap_cpim(cpim, m.body)) {
      error = "cannot wrap the message in CPIM: " + e.message();
      return std::nullopt;
    }
    m.content_type = std::string(cpim_type);
  } else if (media_type_accepted(content_type, config_.remote_accept_types)) {
    m.content_type = std::string(content_type);
    m.body = std::string(content);
  } else {
    error = "the peer accepts neither " + std::string(content_type) + " nor message/cpim";
    return std::nullopt;
  }
  return session_.send_message(std::move(m), now);
}

std::vector<ChatNotification> ChatStream::on_session_events(const std::vector<SessionEvent>& events) {
  std::vector<ChatNotification> out;
  for (const SessionEvent& e : events) {
    if (e.kind == SessionEvent::Kind::message_received) {
      on_message(e, out);
      continue;
    }
    if (e.kind == SessionEvent::Kind::chunk_received || e.kind == SessionEvent::Kind::interrupted) continue;
    if (const auto silent = std::find(silent_ids_.begin(), silent_ids_.end(), e.message_id); silent != silent_ids_.end()) {
      silent_ids_.erase(silent);
      continue;
    }
    ChatNotification n;
    n.name = e.kind == SessionEvent::Kind::delivered ? "MSRPChatDidDeliverMessage" : "MSRPChatDidNotDeliverMessage";
    n.message_id = e.message_id;
    n.code = e.code;
    n.reason = e.reason;
    out.push_back(std::move(n));
  }
  return out;
}

void ChatStream::on_message(const SessionEvent& e, std::vector<ChatNotification>& out) {
  ChatNotification n;
  n.name = "MSRPChatGotMessage";
  n.message_id = e.message_id;
  n.from = config_.remote;
  n.to = config_.local.uri;
  if (lower(bare_type(e.content_type)) == cpim_type) {
    CpimMessage cpim;
    if (const CpimError error = unwrap_cpim(e.body, cpim)) return;  // not a chat message we can show
    if (cpim.from) n.from = ChatIdentity{cpim.from->uri, cpim.from->display_name};
    if (!cpim.to.empty()) n.to = cpim.to.front().uri;
    n.datetime = cpim.date_time;
    n.content_type = cpim.content_type.empty() ? "text/plain" : std::string(cpim.content_type);
    n.content = std::string(cpim.content);
  } else {
    n.content_type = e.content_type;
    n.content = e.body;
  }
  if (lower(bare_type(n.content_type)) == composing_type) {
    IsComposing status;
    if (parse_is_composing(n.content, status)) return;  // malformed: dropped
    n.name = "MSRPChatGotComposing";
    n.composing = std::move(status);
    n.content.clear();
  }
  out.push_back(std::move(n));
}

}  // namespace cosip::msrp
