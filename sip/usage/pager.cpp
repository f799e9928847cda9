#include "sip/usage/pager.hpp"

namespace cosip::sip {

std::string_view PagerEvent::name() const {
  switch (kind) {
    case Kind::did_deliver: return "SCPagerDidDeliverMessage";
    case Kind::did_not_deliver: return "SCPagerDidNotDeliverMessage";
  }
  return {};
}

Pager::Pager(PagerConfig config, DigestClient* digest, IdGenerator& ids, EventHandler on_event)
    : config_(std::move(config)),
      credentials_(digest),
      on_event_(std::move(on_event)),
      call_id_(ids.call_id(host_of(config_.address.request_uri))),
      from_tag_(ids.tag()) {}

std::uint64_t Pager::send(std::string body, std::string content_type, TimePoint now) {
  (void)now;
  queue_.push_back(Outgoing{++last_id_, std::move(body), std::move(content_type)});
  send_next();
  return last_id_;
}

void Pager::send_next() {
  if (in_flight_ || queue_.empty()) return;
  in_flight_ = true;
  const Outgoing& m = queue_.front();
  credentials_.begin("MESSAGE", config_.address.request_uri, m.body);
  build();
}

void Pager::build() {
  // A MESSAGE creates no dialog, so it needs no Contact (RFC 3261 §8.1.1.8
  // asks one of dialog-creating requests). The pager's messages share its
  // Call-ID and From tag, each with the next CSeq.
  const Outgoing& m = queue_.front();
  MessageWriter w =
      write_request_head(config_.address, "MESSAGE", from_tag_, call_id_, ++cseq_, credentials_.headers());
  pending_ = w.finish(m.body, m.content_type);
}

std::optional<UsageRequest> Pager::poll_request() {
  if (!pending_) return std::nullopt;
  UsageRequest r(std::move(*pending_), config_.address.next_hop());
  pending_.reset();
  return r;
}

void Pager::on_response(const Message& response, TimePoint now) {
  (void)now;
  const int code = response.status_code;
  if (code < 200 || !in_flight_) return;
  std::string reason(response.reason_phrase);
  if (code == 401 || code == 407) {
    AuthErrc error = AuthErrc::ok;
    if (credentials_.on_challenge(response, "MESSAGE", config_.address.request_uri, queue_.front().body, error)) {
      build();
      return;
    }
    reason += " (" + std::string(to_string(error)) + ")";
  }
  done(code < 300 ? PagerEvent::Kind::did_deliver : PagerEvent::Kind::did_not_deliver, code, std::move(reason));
}

void Pager::on_no_response(int code, std::string_view reason, TimePoint now) {
  (void)now;
  if (in_flight_) done(PagerEvent::Kind::did_not_deliver, code, std::string(reason));
}

void Pager::done(PagerEvent::Kind kind, int code, std::string reason) {
  PagerEvent e = usage_event<PagerEvent>(kind, code, std::move(reason));
  e.message_id = queue_.front().id;
  queue_.pop_front();
  in_flight_ = false;
  if (on_event_) on_event_(e);
  send_next();
}

PagerMessage received_message(const Message& request) {
  PagerMessage m;
  m.from = to_string(request.from.uri);
  m.to = to_string(request.to.uri);
  m.content_type = content_type_of(request);
  m.body = std::string(request.body);
  return m;
}

}  // namespace cosip::sip
