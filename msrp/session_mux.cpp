#include "msrp/session_mux.hpp"

#include <utility>

#include "msrp/serializer.hpp"

namespace cosip::msrp {

bool SessionMux::add_session(std::string_view session_id) {
  return !session_id.empty() && sessions_.emplace(session_id).second;
}

bool SessionMux::remove_session(std::string_view session_id) {
  const auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return false;
  sessions_.erase(it);
  if (target_ == session_id) target_.clear();
  return true;
}

bool SessionMux::on_bytes(std::string_view bytes, const Sink& sink) {
  for (;;) {
    const StreamParser::Result r = parser_.feed(bytes);
    const std::string_view used = bytes.substr(0, r.used);
    bytes.remove_prefix(r.used);
    if (r.event == Event::error) return false;
    if (in_message_)
      forward(used, sink);
    else
      head_bytes_.append(used);
    switch (r.event) {
      case Event::need_more: return true;
      case Event::head:
        on_head();
        in_message_ = true;
        forward(head_bytes_, sink);
        head_bytes_.clear();
        break;
      case Event::end: in_message_ = false; break;
      case Event::body:
      case Event::error: break;
    }
  }
}

void SessionMux::on_head() {
  const MessageHead& head = parser_.head();
  target_.clear();
  if (!head.to_path.empty()) {
    const std::string_view id = head.to_path.front().session_id;
    if (!sessions_.contains(id) && claim_ && !id.empty()) claim_(id);
    const auto it = sessions_.find(id);
    if (it != sessions_.end()) {
      target_ = *it;
      return;
    }
  }
  ++dropped_;
  // §7.3: a request for a session that does not exist here; REPORTs are
  // never answered (§7.1.2), and Failure-Report: no asks for nothing (§7.1.1).
  if (!head.is_request || head.method == Method::report ||
      head.failure_report.value_or(ReportRequest::yes) == ReportRequest::no)
    return;
  output_ += serialize(make_response(head, 481), {}, EndFlag::complete);
}

void SessionMux::forward(std::string_view bytes, const Sink& sink) {
  if (!bytes.empty() && !target_.empty()) sink(target_, bytes);
}

std::string SessionMux::take_output() { return std::exchange(output_, {}); }

}  // namespace cosip::msrp
