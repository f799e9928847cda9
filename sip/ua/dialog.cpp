#include "sip/ua/dialog.hpp"

#include <algorithm>

#include "sip/syntax/writer.hpp"

namespace cosip::sip {
namespace {

std::string angle_uri(const Uri& uri) {
  std::string s = "<";
  append_uri(s, uri);
  s += '>';
  return s;
}

// Record-Route entries of a message, in header order.
std::vector<std::string> record_routes(const Message& msg) {
  std::vector<std::string> routes;
  for (const Header& h : msg.headers) {
    if (h.id != HeaderId::record_route) continue;
    NameAddrList list;
    if (!decode_route_list(h.value, list)) continue;  // parse_message already checked it
    for (const NameAddr& entry : list) {
      std::string s;
      append(s, entry);
      routes.push_back(std::move(s));
    }
  }
  return routes;
}

bool is_target_refresh(std::string_view method) {
  // §12.2: re-INVITE and UPDATE (RFC 3311 §5.1), SUBSCRIBE/NOTIFY (RFC 6665) refresh the target.
  return method == "INVITE" || method == "UPDATE" || method == "SUBSCRIBE" || method == "NOTIFY";
}

}  // namespace

std::string contact_uri(const Message& msg) {
  const Header* h = msg.find(HeaderId::contact);
  if (h == nullptr) return {};
  ContactList contacts;
  if (!decode_contact(h->value, contacts) || contacts.star || contacts.entries.empty()) return {};
  return to_string(contacts.entries.front().uri);
}

Dialog Dialog::as_uas(const Message& request, std::string_view local_tag, bool confirmed) {
  Dialog d;
  d.id_ = {std::string(request.call_id), std::string(local_tag), std::string(request.from.tag())};
  d.state_ = confirmed ? State::confirmed : State::early;
  d.remote_seq_ = request.cseq.number;
  d.local_uri_ = angle_uri(request.to.uri);
  d.remote_uri_ = angle_uri(request.from.uri);
  d.remote_target_ = contact_uri(request);
  d.route_set_ = record_routes(request);  // §12.1.1: in the order of the request
  d.secure_ = request.request_uri.scheme == Uri::Scheme::sips;
  return d;
}

Dialog Dialog::as_uac(const Message& request, const Message& response) {
  Dialog d;
  d.id_ = {std::string(request.call_id), std::string(request.from.tag()), std::string(response.to.tag())};
  d.state_ = response.status_code >= 200 ? State::confirmed : State::early;
  d.local_seq_ = request.cseq.number;
  d.local_uri_ = angle_uri(request.from.uri);
  d.remote_uri_ = angle_uri(request.to.uri);
  d.remote_target_ = contact_uri(response);
  d.route_set_ = record_routes(response);
  std::reverse(d.route_set_.begin(), d.route_set_.end());  // §12.1.2: reverse order
  d.secure_ = request.request_uri.scheme == Uri::Scheme::sips;
  d.call_id_owner_ = true;
  return d;
}

Dialog Dialog::as_subscriber(const Message& notify, std::uint32_t subscribe_seq) {
  Dialog d = as_uas(notify, notify.to.tag(), true);
  d.local_seq_ = subscribe_seq;
  d.call_id_owner_ = true;  // our SUBSCRIBE chose the Call-ID
  return d;
}

Duration glare_retry_delay(const Dialog& dialog, IdGenerator& ids) {
  // §14.1: in units of 10 ms, 2.1 to 4 s for the owner of the Call-ID, up
  // to 2 s for the other side, so the two retries do not cross again.
  const std::uint32_t tens = dialog.owns_call_id() ? ids.number(210, 400) : ids.number(0, 200);
  return std::chrono::milliseconds(10 * tens);
}

DialogCheck Dialog::on_request(const Message& request) {
  // §12.2.2: a lower CSeq than the last one is out of order (ACK and CANCEL
  // carry the INVITE's number and are exempt).
  if (request.method != "ACK" && request.method != "CANCEL") {
    if (remote_seq_ && request.cseq.number <= *remote_seq_ &&
        !(request.cseq.number == *remote_seq_ && request.method == "INVITE"))
      return DialogCheck::out_of_order;
    remote_seq_ = request.cseq.number;
  }
  if (is_target_refresh(request.method)) {
    std::string target = contact_uri(request);
    if (!target.empty()) remote_target_ = std::move(target);
  }
  return DialogCheck::ok;
}

void Dialog::on_refresh_response(const Message& response) {
  if (response.status_code < 200 || response.status_code >= 300) return;
  std::string target = contact_uri(response);
  if (!target.empty()) remote_target_ = std::move(target);
}

std::string Dialog::next_hop() const {
  if (route_set_.empty()) return remote_target_;
  NameAddr first;
  if (!decode_name_addr(route_set_.front(), first)) return remote_target_;
  return to_string(first.uri);
}

std::string Dialog::make_request(const Request& r) {
  // §12.2.1.1: with a loose router first (lr), the Request-URI is the remote
  // target and the route set goes into Route; with a strict router, its URI
  // becomes the Request-URI and the remote target the last Route.
  std::string request_uri = remote_target_;
  std::vector<std::string> routes = route_set_;
  if (!routes.empty()) {
    NameAddr first;
    if (decode_name_addr(routes.front(), first) && find_param(first.uri.params, "lr") == nullptr) {
      Uri strict = first.uri;
      strict.params.clear();
      request_uri = to_string(strict);
      routes.erase(routes.begin());
      routes.push_back("<" + remote_target_ + ">");
    }
  }
  const bool ack_or_cancel = r.method == "ACK" || r.method == "CANCEL";
  const std::uint32_t seq = ack_or_cancel ? r.ack_seq : ++local_seq_;

  MessageWriter w;
  w.request_line(r.method, request_uri);
  if (!r.via.empty()) w.header(HeaderId::via, r.via);
  w.header(HeaderId::max_forwards, std::string_view("70"));
  for (const std::string& route : routes) w.header(HeaderId::route, route);
  w.header(HeaderId::from, local_uri_ + ";tag=" + id_.local_tag);
  w.header(HeaderId::to, remote_uri_ + ";tag=" + id_.remote_tag);
  w.header(HeaderId::call_id, id_.call_id);
  w.header(HeaderId::cseq, CSeq{seq, r.method});
  if (!r.contact.empty()) w.header(HeaderId::contact, r.contact);
  w.header_lines(r.extra_headers);
  return w.finish(r.body, r.content_type);
}

}  // namespace cosip::sip
