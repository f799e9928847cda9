// Client usages (RFC 6665 subscriptions, RFC 3903 publications, RFC 3428
// pager mode; RFC 3261 §10 registrations to come) against a fake server on a
// virtual clock: every request a usage polls is parsed as the far end would
// see it, with the Via the UA shell adds, and answered with response_to().
#include <doctest/doctest.h>

#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sip/auth/digest.hpp"
#include "sip/syntax/writer.hpp"
#include "sip/usage/pager.hpp"
#include "sip/usage/publication.hpp"
#include "sip/usage/subscription.hpp"

using namespace cosip::sip;
using namespace std::chrono_literals;

namespace {

const TimePoint t0{};  // the virtual clock starts here; tests add to it
const std::string realm = "example.com";
const std::string password = "secret";

// A deterministic cnonce source: bytes 0, 1, 2, ... across calls.
RandomSource counting_random() {
  return [n = 0u](std::span<unsigned char> out) mutable {
    for (unsigned char& b : out) b = static_cast<unsigned char>(n++);
    return true;
  };
}

// alice's account at example.com.
DigestClient make_digest() {
  DigestClient d(counting_random());
  d.add_account({"alice", password, realm});
  return d;
}

// A request as the far end receives it: the usage's bytes with the Via the
// shell adds, parsed. Held by pointer: `msg` points into `bytes`.
struct Received {
  std::string bytes;  // as the usage wrote it, without Via
  std::string wire;   // with the shell's Via
  std::string next_hop;
  Message msg;

  // The value of the first header `id`, "(absent)" when there is none.
  std::string header(HeaderId id) const {
    const Header* h = msg.find(id);
    return h != nullptr ? std::string(h->value) : std::string("(absent)");
  }
  std::uint32_t cseq() const { return msg.cseq.number; }
};

// The far end of one usage: takes what it sends and answers it.
class FakeServer {
 public:
  explicit FakeServer(ClientUsage& usage) : usage_(usage) {}

  // The usage's next request; fails the test when it has none.
  const Received& take() {
    std::optional<UsageRequest> r = usage_.poll_request();
    REQUIRE(r.has_value());
    auto got = std::make_unique<Received>();
    got->bytes = std::move(r->bytes);
    got->next_hop = std::move(r->next_hop);
    const std::size_t line_end = got->bytes.find("\r\n") + 2;
    got->wire = got->bytes.substr(0, line_end) + "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK" +
                std::to_string(received_.size()) + "\r\n" + got->bytes.substr(line_end);
    const ParseError e = parse_message(got->wire, got->msg);
    INFO(got->wire);
    REQUIRE_FALSE(e);
    received_.push_back(std::move(got));
    return *received_.back();
  }
  // True when the usage has nothing to send.
  bool quiet() { return !usage_.poll_request().has_value(); }

  // Answers the last request taken: `extra` holds whole header lines.
  void answer(int code, TimePoint now, std::string_view extra = {}, std::string_view reason = {}) {
    REQUIRE_FALSE(received_.empty());
    MessageWriter w = response_to(received_.back()->msg, code, reason.empty() ? reason_phrase(code) : reason, "srv");
    w.header_lines(extra);
    const std::string bytes = w.finish();
    Message m;
    REQUIRE_FALSE(parse_message(bytes, m));
    usage_.on_response(m, now);
  }

  // A challenge line for answer(): WWW-Authenticate, or Proxy-Authenticate.
  static std::string challenge(std::string_view nonce, bool proxy = false) {
    return std::string(proxy ? "Proxy-Authenticate: " : "WWW-Authenticate: ") +
           make_digest_challenge({.realm = realm, .nonce = nonce}) + "\r\n";
  }

  // The registrar's / notifier's check of the credentials on a request.
  static AuthErrc check_credentials(const Received& r, bool proxy = false) {
    AuthValue value;
    if (!find_digest_credentials(r.msg, proxy, realm, value)) return AuthErrc::no_challenge;
    DigestCredentials c;
    const AuthErrc parsed = parse_digest_credentials(value, c);
    if (parsed != AuthErrc::ok) return parsed;
    return verify_digest(c, {.method = r.msg.method,
                             .realm = realm,
                             .request_uri = r.msg.request_uri_text,
                             .password = password,
                             .body = r.msg.body});
  }

 private:
  ClientUsage& usage_;
  std::deque<std::unique_ptr<Received>> received_;
};

// Event names in order, space-separated.
template <class Event>
std::string names(const std::vector<Event>& events) {
  std::string s;
  for (const Event& e : events) s += (s.empty() ? "" : " ") + std::string(e.name());
  return s;
}

// ---- Subscription ---------------------------------------------------------

SubscriptionConfig subscription_config() {
  SubscriptionConfig c;
  c.address.request_uri = "sip:bob@example.com";
  c.address.from = "<sip:alice@example.com>";
  c.address.to = "<sip:bob@example.com>";
  c.contact = "sip:alice@192.0.2.1:5060";
  c.event = "presence";
  c.accept = {"application/pidf+xml", "application/xpidf+xml"};
  c.expires = 600;
  return c;
}

// One NOTIFY the notifier sends on the subscription `subscribe` asked for.
struct Notify {
  std::uint32_t cseq = 1;
  std::string state = "active;expires=600";  // Subscription-State, "" for none
  std::string event = "presence";            // Event, "" for none
  std::string from_tag = "srv";              // the notifier's tag
  std::string contact = "<sip:bob@192.0.2.9:5060>";  // "" for none
  std::string extra;                         // whole header lines
  std::string body;

  std::string build(const Received& subscribe) const {
    MessageWriter w;
    w.request_line("NOTIFY", "sip:alice@192.0.2.1:5060");
    w.header("Via", "SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKnotify" + std::to_string(cseq));
    w.header("Max-Forwards", "70");
    w.header("From", "<sip:bob@example.com>;tag=" + from_tag);
    w.header("To", subscribe.header(HeaderId::from));
    w.header("Call-ID", subscribe.msg.call_id);
    w.header("CSeq", std::to_string(cseq) + " NOTIFY");
    if (!contact.empty()) w.header("Contact", contact);
    if (!event.empty()) w.header("Event", event);
    if (!state.empty()) w.header("Subscription-State", state);
    w.header_lines(extra);
    return w.finish(body, body.empty() ? std::string_view{} : "application/pidf+xml");
  }
};

int deliver(Subscription& s, const Received& subscribe, const Notify& n, TimePoint now) {
  const std::string bytes = n.build(subscribe);
  Message m;
  REQUIRE_FALSE(parse_message(bytes, m));
  return s.on_request(m, now);
}

struct SubscriptionFixture {
  DigestClient digest = make_digest();
  IdGenerator ids{7};
  std::vector<SubscriptionEvent> events;
  Subscription sub;
  FakeServer server{sub};

  explicit SubscriptionFixture(SubscriptionConfig c = subscription_config())
      : sub(std::move(c), &digest, ids, [this](const SubscriptionEvent& e) { events.push_back(e); }) {}

  // start(), the SUBSCRIBE answered 202 with `expires`: the subscription in place.
  const Received& subscribe(std::uint32_t expires = 600) {
    sub.start(t0);
    const Received& s = server.take();
    server.answer(202, t0, "Expires: " + std::to_string(expires) + "\r\nContact: <sip:bob@192.0.2.9:5060>\r\n");
    REQUIRE(sub.state() == Subscription::State::subscribed);
    return s;
  }
};

}  // namespace

TEST_CASE("subscription: SUBSCRIBE, 202, NOTIFY, refresh in the dialog, unsubscribe and the final NOTIFY") {
  SubscriptionFixture f;
  f.sub.start(t0);
  const Received& s = f.server.take();
  CHECK(s.msg.method == "SUBSCRIBE");
  CHECK(s.msg.request_uri_text == "sip:bob@example.com");
  CHECK(s.next_hop == "sip:bob@example.com");
  CHECK(s.bytes.find("Via:") == std::string::npos);  // the shell adds it
  CHECK(s.header(HeaderId::event) == "presence");
  CHECK(s.header(HeaderId::expires) == "600");
  CHECK(s.header(HeaderId::accept) == "application/pidf+xml, application/xpidf+xml");
  CHECK(s.header(HeaderId::contact) == "<sip:alice@192.0.2.1:5060>");
  CHECK_FALSE(s.msg.from.tag().empty());
  CHECK(s.msg.to.tag().empty());
  CHECK(s.header(HeaderId::authorization) == "(absent)");
  CHECK(f.server.quiet());  // one request at a time

  f.server.answer(202, t0, "Expires: 600\r\nContact: <sip:bob@192.0.2.9:5060>\r\n");
  REQUIRE(f.events.size() == 1);
  CHECK(f.events[0].kind == SubscriptionEvent::Kind::did_succeed);
  CHECK(f.events[0].code == 202);
  CHECK(f.events[0].expires == 600);
  REQUIRE(f.sub.dialog() != nullptr);
  CHECK(f.sub.dialog()->id().remote_tag == "srv");
  CHECK(f.sub.dialog()->remote_target() == "sip:bob@192.0.2.9:5060");

  Notify n;
  n.body = "<presence/>";
  CHECK(deliver(f.sub, s, n, t0 + 1s) == 200);
  REQUIRE(f.events.size() == 2);
  const SubscriptionEvent& got = f.events[1];
  CHECK(got.kind == SubscriptionEvent::Kind::got_notify);
  CHECK(got.state == "active");
  REQUIRE(got.state_params.size() == 1);
  CHECK(got.state_params[0].first == "expires");
  CHECK(got.state_params[0].second == "600");
  CHECK(got.content_type == "application/pidf+xml");
  CHECK(got.body == "<presence/>");

  // §4.1.2.2: refreshed a minute before the 600 s run out, counted from the
  // NOTIFY's expires (at t0+1s).
  REQUIRE(f.sub.next_timeout() == t0 + 541s);
  f.sub.on_timeout(t0 + 540s);
  CHECK(f.server.quiet());
  f.sub.on_timeout(t0 + 541s);
  const Received& refresh = f.server.take();
  CHECK(refresh.msg.method == "SUBSCRIBE");
  CHECK(refresh.msg.request_uri_text == "sip:bob@192.0.2.9:5060");  // the remote target
  CHECK(refresh.next_hop == "sip:bob@192.0.2.9:5060");
  CHECK(refresh.bytes.find("Via:") == std::string::npos);
  CHECK(refresh.msg.call_id == s.msg.call_id);
  CHECK(refresh.msg.from.tag() == s.msg.from.tag());
  CHECK(refresh.msg.to.tag() == "srv");
  CHECK(refresh.cseq() == s.cseq() + 1);
  CHECK(refresh.header(HeaderId::event) == "presence");
  CHECK(refresh.header(HeaderId::expires) == "600");
  CHECK(refresh.header(HeaderId::contact) == "<sip:alice@192.0.2.1:5060>");
  CHECK(refresh.header(HeaderId::user_agent) == "cosip/0.1");

  f.server.answer(200, t0 + 541s, "Expires: 300\r\n");
  REQUIRE(f.events.size() == 3);
  CHECK(f.events[2].kind == SubscriptionEvent::Kind::did_succeed);
  CHECK(f.events[2].expires == 300);
  CHECK(f.sub.next_timeout() == t0 + 541s + 240s);

  f.sub.end(t0 + 600s);
  const Received& unsubscribe = f.server.take();
  CHECK(unsubscribe.header(HeaderId::expires) == "0");
  CHECK(unsubscribe.msg.to.tag() == "srv");
  CHECK(unsubscribe.cseq() == refresh.cseq() + 1);
  f.server.answer(200, t0 + 600s);
  CHECK(f.sub.state() == Subscription::State::unsubscribing);  // until the final NOTIFY

  Notify last;
  last.cseq = 2;
  last.state = "terminated;reason=timeout";
  CHECK(deliver(f.sub, s, last, t0 + 601s) == 200);
  CHECK(f.sub.state() == Subscription::State::ended);
  CHECK(f.sub.dialog() == nullptr);
  CHECK(names(f.events) ==
        "SCSubscriptionDidSucceed SCSubscriptionGotNotify SCSubscriptionDidSucceed SCSubscriptionWillEnd "
        "SCSubscriptionGotNotify SCSubscriptionDidEnd");
  CHECK(f.events.back().code == 0);
  CHECK(f.events.back().reason == "timeout");
  CHECK(f.events[4].state == "terminated");
  CHECK_FALSE(f.sub.next_timeout());
  CHECK(f.server.quiet());
}

TEST_CASE("subscription: 401 answered with credentials, 423 with the Min-Expires") {
  SubscriptionFixture f;
  f.sub.start(t0);
  const Received& first = f.server.take();
  f.server.answer(401, t0, FakeServer::challenge("n1"));
  const Received& authed = f.server.take();
  CHECK(authed.msg.call_id == first.msg.call_id);
  CHECK(authed.msg.from.tag() == first.msg.from.tag());
  CHECK(authed.cseq() == first.cseq() + 1);
  CHECK(FakeServer::check_credentials(authed) == AuthErrc::ok);

  // §4.2.1.1: too brief; the next SUBSCRIBE asks for the Min-Expires and
  // still carries credentials (RFC 7616 §3.6).
  f.server.answer(423, t0, "Min-Expires: 1800\r\n");
  const Received& longer = f.server.take();
  CHECK(longer.header(HeaderId::expires) == "1800");
  CHECK(longer.cseq() == authed.cseq() + 1);
  CHECK(FakeServer::check_credentials(longer) == AuthErrc::ok);

  f.server.answer(200, t0, "Expires: 1800\r\nContact: <sip:bob@192.0.2.9:5060>\r\n");
  CHECK(names(f.events) == "SCSubscriptionDidSucceed");
  CHECK(f.events[0].expires == 1800);
  CHECK(f.sub.next_timeout() == t0 + 1740s);
}

TEST_CASE("subscription: failures before success are retried after a doubling back-off, each a new subscription") {
  SubscriptionConfig c = subscription_config();
  c.retry_interval = 30s;
  c.max_retry_interval = 100s;
  SubscriptionFixture f(c);
  f.sub.start(t0);
  const Received& first = f.server.take();
  f.server.answer(500, t0);
  REQUIRE(f.events.size() == 1);
  CHECK(f.events[0].kind == SubscriptionEvent::Kind::did_fail);
  CHECK(f.events[0].code == 500);
  CHECK(f.events[0].reason == "Server Internal Error");
  CHECK(f.events[0].retry_in == 30u);
  CHECK(f.sub.state() == Subscription::State::waiting_retry);
  CHECK(f.server.quiet());
  CHECK(f.sub.next_timeout() == t0 + 30s);

  f.sub.on_timeout(t0 + 30s);
  const Received& second = f.server.take();
  // §4.1.2.2: a new subscription, not a retransmission of the old one.
  CHECK(second.msg.call_id != first.msg.call_id);
  CHECK(second.msg.from.tag() != first.msg.from.tag());
  f.server.answer(503, t0 + 30s, "Retry-After: 7\r\n");  // the server's wait wins
  CHECK(f.events.back().retry_in == 7u);

  f.sub.on_timeout(t0 + 37s);
  f.server.take();
  f.sub.on_no_response(408, "Request Timeout", t0 + 69s);
  CHECK(f.events.back().code == 408);
  CHECK(f.events.back().retry_in == 100u);  // 30 doubled twice, capped at 100

  f.sub.on_timeout(t0 + 169s);
  f.server.take();
  // RFC 3261 §12.1.1: a 2xx without Contact gives no remote target.
  f.server.answer(200, t0 + 169s, "Expires: 600\r\n");
  CHECK(f.events.back().kind == SubscriptionEvent::Kind::did_fail);
  CHECK(f.events.back().reason == "no Contact in the 2xx");
  CHECK(f.sub.dialog() == nullptr);

  f.sub.on_timeout(t0 + 269s);
  f.server.take();
  f.server.answer(200, t0 + 269s, "Expires: 600\r\nContact: <sip:bob@192.0.2.9:5060>\r\n");
  CHECK(names(f.events) == "SCSubscriptionDidFail SCSubscriptionDidFail SCSubscriptionDidFail "
                           "SCSubscriptionDidFail SCSubscriptionDidSucceed");
  CHECK(f.sub.dialog() != nullptr);
}

TEST_CASE("subscription: a NOTIFY before the 2xx creates the dialog (RFC 6665 §4.1.2.4)") {
  SubscriptionFixture f;
  f.sub.start(t0);
  const Received& s = f.server.take();
  Notify n;
  n.state = "pending;expires=600";
  n.extra = "Record-Route: <sip:proxy.example.com;lr>\r\n";
  n.contact = "";
  CHECK(deliver(f.sub, s, n, t0) == 400);  // no remote target for the dialog
  CHECK(f.sub.dialog() == nullptr);
  n.contact = "<sip:bob@192.0.2.9:5060>";
  CHECK(deliver(f.sub, s, n, t0) == 200);
  REQUIRE(f.sub.dialog() != nullptr);
  CHECK(f.sub.dialog()->id().call_id == s.msg.call_id);
  CHECK(f.sub.dialog()->id().local_tag == s.msg.from.tag());
  CHECK(f.sub.dialog()->id().remote_tag == "srv");
  CHECK(f.sub.dialog()->remote_target() == "sip:bob@192.0.2.9:5060");
  REQUIRE(f.sub.dialog()->route_set().size() == 1);
  CHECK(f.sub.dialog()->route_set()[0] == "<sip:proxy.example.com;lr>");
  CHECK(f.sub.state() == Subscription::State::subscribing);
  CHECK(names(f.events) == "SCSubscriptionGotNotify");
  CHECK(f.events[0].state == "pending");

  f.server.answer(202, t0, "Expires: 600\r\n");
  CHECK(names(f.events) == "SCSubscriptionGotNotify SCSubscriptionDidSucceed");
  CHECK(f.sub.dialog()->remote_target() == "sip:bob@192.0.2.9:5060");

  f.sub.on_timeout(t0 + 540s);
  const Received& refresh = f.server.take();
  CHECK(refresh.msg.request_uri_text == "sip:bob@192.0.2.9:5060");
  CHECK(refresh.header(HeaderId::route) == "<sip:proxy.example.com;lr>");
  CHECK(refresh.next_hop == "sip:proxy.example.com;lr");
  CHECK(refresh.cseq() == s.cseq() + 1);  // continues from the SUBSCRIBE's

  // The same NOTIFY again is out of order (RFC 3261 §12.2.2).
  CHECK(deliver(f.sub, s, n, t0 + 541s) == 500);
  Notify next;
  next.cseq = 2;
  CHECK(deliver(f.sub, s, next, t0 + 541s) == 200);
}

TEST_CASE("subscription: NOTIFYs of no subscription here get 0, malformed ones 400 or 489") {
  {
    // A failed attempt leaves no subscription for its NOTIFYs.
    SubscriptionFixture f;
    f.sub.start(t0);
    const Received& s = f.server.take();
    f.sub.on_no_response(503, "Service Unavailable", t0);
    CHECK(deliver(f.sub, s, Notify{}, t0) == 0);
    CHECK(names(f.events) == "SCSubscriptionDidFail");
  }
  SubscriptionFixture g;
  const Received& s = g.subscribe();
  const std::size_t before = g.events.size();

  SUBCASE("another Call-ID") {
    std::string bytes = Notify{}.build(s);
    const std::string call_id(s.msg.call_id);
    bytes.replace(bytes.find(call_id), call_id.size(), "other@example.com");
    Message m;
    REQUIRE_FALSE(parse_message(bytes, m));
    CHECK(g.sub.on_request(m, t0) == 0);
  }
  SUBCASE("another To tag") {
    std::string bytes = Notify{}.build(s);
    const std::string tag(s.msg.from.tag());
    bytes.replace(bytes.find(tag), tag.size(), "nottag");
    Message m;
    REQUIRE_FALSE(parse_message(bytes, m));
    CHECK(g.sub.on_request(m, t0) == 0);
  }
  SUBCASE("another notifier (a fork)") {
    Notify n;
    n.from_tag = "fork2";
    CHECK(deliver(g.sub, s, n, t0) == 0);
  }
  SUBCASE("another Event id") {
    Notify n;
    n.event = "presence;id=7";
    CHECK(deliver(g.sub, s, n, t0) == 0);
  }
  SUBCASE("no Event") {
    Notify n;
    n.event = "";
    CHECK(deliver(g.sub, s, n, t0) == 400);
  }
  SUBCASE("another event package") {
    Notify n;
    n.event = "dialog";
    CHECK(deliver(g.sub, s, n, t0) == 489);
  }
  SUBCASE("no Subscription-State") {
    Notify n;
    n.state = "";
    CHECK(deliver(g.sub, s, n, t0) == 400);
  }
  SUBCASE("not a NOTIFY") {
    std::string bytes = Notify{}.build(s);
    bytes.replace(0, 6, "INFO");
    bytes.replace(bytes.find("1 NOTIFY"), 8, "1 INFO");
    Message m;
    REQUIRE_FALSE(parse_message(bytes, m));
    CHECK(g.sub.on_request(m, t0) == 0);
  }
  CHECK(g.events.size() == before);
  CHECK(g.sub.state() == Subscription::State::subscribed);
}

TEST_CASE("subscription: a NOTIFY with Subscription-State terminated (RFC 6665 §4.1.3)") {
  SubscriptionFixture f;
  const Received& s = f.subscribe();
  Notify n;
  n.cseq = 1;

  SUBCASE("rejected: ended, no new subscription") {
    n.state = "terminated;reason=rejected";
    CHECK(deliver(f.sub, s, n, t0 + 10s) == 200);
    CHECK(names(f.events) == "SCSubscriptionDidSucceed SCSubscriptionGotNotify SCSubscriptionDidEnd");
    CHECK(f.events.back().reason == "rejected");
    CHECK(f.sub.state() == Subscription::State::ended);
    CHECK_FALSE(f.sub.next_timeout());
    CHECK(f.server.quiet());
  }
  SUBCASE("deactivated: a new subscription at once") {
    n.state = "terminated;reason=deactivated";
    CHECK(deliver(f.sub, s, n, t0 + 10s) == 200);
    CHECK(names(f.events) == "SCSubscriptionDidSucceed SCSubscriptionGotNotify");
    CHECK(f.sub.state() == Subscription::State::subscribing);
    const Received& again = f.server.take();
    CHECK(again.msg.to.tag().empty());  // outside any dialog
    CHECK(again.msg.call_id != s.msg.call_id);
    CHECK(again.header(HeaderId::expires) == "600");
    // The old dialog is gone.
    Notify stale;
    stale.cseq = 2;
    CHECK(deliver(f.sub, s, stale, t0 + 11s) == 0);
  }
  SUBCASE("probation: a new subscription after retry-after") {
    n.state = "terminated;reason=probation;retry-after=90";
    CHECK(deliver(f.sub, s, n, t0 + 10s) == 200);
    CHECK(f.sub.state() == Subscription::State::waiting_retry);
    CHECK(f.sub.next_timeout() == t0 + 100s);
    CHECK(f.server.quiet());
    f.sub.on_timeout(t0 + 100s);
    CHECK(f.server.take().msg.call_id != s.msg.call_id);
  }
  SUBCASE("while a refresh is in flight, its answer no longer counts") {
    f.sub.on_timeout(t0 + 540s);
    f.server.take();
    n.state = "terminated;reason=deactivated";
    CHECK(deliver(f.sub, s, n, t0 + 541s) == 200);
    CHECK(f.server.quiet());  // the new SUBSCRIBE waits for the refresh's answer
    f.server.answer(481, t0 + 541s);
    CHECK(names(f.events) == "SCSubscriptionDidSucceed SCSubscriptionGotNotify");
    const Received& again = f.server.take();
    CHECK(again.msg.to.tag().empty());
  }
}

TEST_CASE("subscription: refresh failures (RFC 6665 §4.1.2.2)") {
  SubscriptionConfig c = subscription_config();
  c.retry_interval = 30s;
  SubscriptionFixture f(c);
  f.subscribe(600);
  f.sub.on_timeout(t0 + 540s);
  f.server.take();

  SUBCASE("481: the subscription is gone") {
    f.server.answer(481, t0 + 540s);
    CHECK(names(f.events) == "SCSubscriptionDidSucceed SCSubscriptionDidEnd");
    CHECK(f.events.back().code == 481);
    CHECK(f.sub.state() == Subscription::State::ended);
  }
  SUBCASE("no answer: retried while the subscription lasts") {
    f.sub.on_no_response(408, "Request Timeout", t0 + 545s);
    CHECK(names(f.events) == "SCSubscriptionDidSucceed SCSubscriptionDidFail");
    CHECK(f.events.back().code == 408);
    CHECK(f.events.back().retry_in == 30u);
    CHECK(f.sub.state() == Subscription::State::subscribed);
    CHECK(f.sub.dialog() != nullptr);
    REQUIRE(f.sub.next_timeout() == t0 + 575s);
    f.sub.on_timeout(t0 + 575s);
    const Received& retry = f.server.take();
    CHECK(retry.msg.to.tag() == "srv");
    f.server.answer(200, t0 + 575s, "Expires: 600\r\n");
    CHECK(names(f.events) == "SCSubscriptionDidSucceed SCSubscriptionDidFail SCSubscriptionDidSucceed");
    CHECK(f.sub.next_timeout() == t0 + 575s + 540s);
  }
  SUBCASE("no answer, and the retry would come too late: it lapses") {
    f.sub.on_no_response(408, "Request Timeout", t0 + 572s);
    CHECK_FALSE(f.events.back().retry_in);
    REQUIRE(f.sub.next_timeout() == t0 + 600s);  // 572 + 30 is past the expiry
    f.sub.on_timeout(t0 + 600s);
    CHECK(names(f.events) == "SCSubscriptionDidSucceed SCSubscriptionDidFail SCSubscriptionDidEnd");
    CHECK(f.events.back().reason == "expired");
    CHECK(f.sub.state() == Subscription::State::ended);
  }
  SUBCASE("503 with a Retry-After beyond the expiry: it lapses, then DidEnd") {
    f.server.answer(503, t0 + 541s, "Retry-After: 100\r\n");
    CHECK(f.events.back().kind == SubscriptionEvent::Kind::did_fail);
    CHECK_FALSE(f.events.back().retry_in);
    CHECK(f.sub.next_timeout() == t0 + 600s);
    f.sub.on_timeout(t0 + 600s);
    CHECK(names(f.events) == "SCSubscriptionDidSucceed SCSubscriptionDidFail SCSubscriptionDidEnd");
    CHECK(f.events.back().reason == "expired");
    CHECK(f.server.quiet());
  }
}

TEST_CASE("subscription: end() at each stage") {
  SubscriptionFixture f;
  SUBCASE("while the first SUBSCRIBE is outstanding: unsubscribed after its 2xx") {
    f.sub.start(t0);
    f.server.take();
    f.sub.end(t0);
    CHECK(f.server.quiet());
    f.server.answer(200, t0, "Expires: 600\r\nContact: <sip:bob@192.0.2.9:5060>\r\n");
    const Received& unsubscribe = f.server.take();
    CHECK(unsubscribe.header(HeaderId::expires) == "0");
    CHECK(unsubscribe.msg.to.tag() == "srv");
    f.server.answer(481, t0);
    CHECK(names(f.events) == "SCSubscriptionWillEnd SCSubscriptionDidSucceed SCSubscriptionDidEnd");
    CHECK(f.events.back().code == 481);
  }
  SUBCASE("waiting to retry: DidEnd at once") {
    f.sub.start(t0);
    f.server.take();
    f.server.answer(403, t0);
    f.sub.end(t0 + 1s);
    CHECK(names(f.events) == "SCSubscriptionDidFail SCSubscriptionWillEnd SCSubscriptionDidEnd");
    CHECK(f.events.back().reason == "not subscribed");
    CHECK(f.server.quiet());
    CHECK_FALSE(f.sub.next_timeout());
  }
  SUBCASE("no final NOTIFY after the 2xx: DidEnd after 32 s") {
    f.subscribe();
    f.sub.end(t0 + 10s);
    f.server.take();
    f.server.answer(200, t0 + 10s);
    CHECK(f.sub.next_timeout() == t0 + 42s);
    f.sub.on_timeout(t0 + 42s);
    CHECK(names(f.events) == "SCSubscriptionDidSucceed SCSubscriptionWillEnd SCSubscriptionDidEnd");
    CHECK(f.events.back().code == 200);
  }
  SUBCASE("end() twice: one WillEnd") {
    f.subscribe();
    f.sub.end(t0 + 10s);
    f.sub.end(t0 + 11s);
    CHECK(names(f.events) == "SCSubscriptionDidSucceed SCSubscriptionWillEnd");
  }
}

// ---- Publication ----------------------------------------------------------

namespace {

PublicationConfig publication_config() {
  PublicationConfig c;
  c.address.request_uri = "sip:alice@example.com";
  c.address.from = "<sip:alice@example.com>";
  c.address.to = "<sip:alice@example.com>";
  c.expires = 600;
  c.retry_interval = 30s;
  return c;
}

struct PublicationFixture {
  DigestClient digest = make_digest();
  IdGenerator ids{11};
  std::vector<PublicationEvent> events;
  Publication pub;
  FakeServer server{pub};

  explicit PublicationFixture(PublicationConfig c = publication_config())
      : pub(std::move(c), &digest, ids, [this](const PublicationEvent& e) { events.push_back(e); }) {}
};

}  // namespace

TEST_CASE("publication: initial PUBLISH, refresh without body, modify, queued bodies, removal (RFC 3903 §4)") {
  PublicationFixture f;
  f.pub.publish("<one/>", "", t0);
  const Received& initial = f.server.take();
  CHECK(initial.msg.method == "PUBLISH");
  CHECK(initial.msg.request_uri_text == "sip:alice@example.com");
  CHECK(initial.bytes.find("Via:") == std::string::npos);
  CHECK(initial.header(HeaderId::event) == "presence");
  CHECK(initial.header(HeaderId::expires) == "600");
  CHECK(initial.header(HeaderId::sip_if_match) == "(absent)");
  CHECK(initial.header(HeaderId::content_type) == "application/pidf+xml");
  CHECK(initial.msg.body == "<one/>");

  f.server.answer(200, t0, "SIP-ETag: e1\r\nExpires: 600\r\n");
  REQUIRE(f.events.size() == 1);
  CHECK(f.events[0].kind == PublicationEvent::Kind::did_succeed);
  CHECK(f.events[0].etag == "e1");
  CHECK(f.events[0].expires == 600);
  CHECK(f.pub.etag() == "e1");
  REQUIRE(f.pub.next_timeout() == t0 + 540s);

  // §4.3: a refresh names the entity and carries no body.
  f.pub.on_timeout(t0 + 540s);
  const Received& refresh = f.server.take();
  CHECK(refresh.header(HeaderId::sip_if_match) == "e1");
  CHECK(refresh.msg.body.empty());
  CHECK(refresh.header(HeaderId::content_type) == "(absent)");
  CHECK(refresh.header(HeaderId::expires) == "600");
  CHECK(refresh.msg.call_id == initial.msg.call_id);
  CHECK(refresh.cseq() == initial.cseq() + 1);
  f.server.answer(200, t0 + 540s, "SIP-ETag: e2\r\nExpires: 600\r\n");
  CHECK(f.pub.etag() == "e2");

  // §4.4: a modification names the entity and carries the new body.
  f.pub.publish("<two/>", "application/pidf+xml", t0 + 600s);
  const Received& modify = f.server.take();
  CHECK(modify.header(HeaderId::sip_if_match) == "e2");
  CHECK(modify.msg.body == "<two/>");
  CHECK(modify.cseq() == refresh.cseq() + 1);
  // Bodies given while it is in flight wait; the latest wins.
  f.pub.publish("<three/>", "", t0 + 601s);
  f.pub.publish("<four/>", "", t0 + 602s);
  CHECK(f.server.quiet());
  f.server.answer(200, t0 + 603s, "SIP-ETag: e3\r\nExpires: 600\r\n");
  const Received& queued = f.server.take();
  CHECK(queued.header(HeaderId::sip_if_match) == "e3");
  CHECK(queued.msg.body == "<four/>");
  f.server.answer(200, t0 + 603s, "SIP-ETag: e4\r\nExpires: 600\r\n");
  CHECK(f.server.quiet());  // nothing more to send

  // §4.5: removal: the entity, Expires: 0, no body.
  f.pub.end(t0 + 700s);
  const Received& remove = f.server.take();
  CHECK(remove.header(HeaderId::sip_if_match) == "e4");
  CHECK(remove.header(HeaderId::expires) == "0");
  CHECK(remove.msg.body.empty());
  f.server.answer(200, t0 + 700s);
  CHECK(names(f.events) ==
        "SCPublicationDidSucceed SCPublicationDidSucceed SCPublicationDidSucceed SCPublicationDidSucceed "
        "SCPublicationWillEnd SCPublicationDidEnd");
  CHECK(f.events.back().code == 200);
  CHECK(f.pub.state() == Publication::State::ended);
  CHECK(f.pub.etag().empty());
  CHECK_FALSE(f.pub.next_timeout());
}

TEST_CASE("publication: 412 to a refresh or a modification publishes anew with the last body (RFC 3903 §5)") {
  PublicationFixture f;
  f.pub.publish("<one/>", "", t0);
  f.server.take();
  f.server.answer(200, t0, "SIP-ETag: e1\r\nExpires: 600\r\n");

  SUBCASE("refresh") {
    f.pub.on_timeout(t0 + 540s);
    const Received& refresh = f.server.take();
    f.server.answer(412, t0 + 540s, {}, "Conditional Request Failed");
    const Received& fresh = f.server.take();
    CHECK(fresh.header(HeaderId::sip_if_match) == "(absent)");
    CHECK(fresh.msg.body == "<one/>");
    CHECK(fresh.cseq() == refresh.cseq() + 1);
  }
  SUBCASE("modification") {
    f.pub.publish("<two/>", "", t0 + 10s);
    CHECK(f.server.take().header(HeaderId::sip_if_match) == "e1");
    f.server.answer(412, t0 + 10s, {}, "Conditional Request Failed");
    const Received& fresh = f.server.take();
    CHECK(fresh.header(HeaderId::sip_if_match) == "(absent)");
    CHECK(fresh.msg.body == "<two/>");
  }
  f.server.answer(200, t0 + 540s, "SIP-ETag: e9\r\nExpires: 600\r\n");
  CHECK(f.pub.etag() == "e9");
  CHECK(names(f.events) == "SCPublicationDidSucceed SCPublicationDidSucceed");
}

TEST_CASE("publication: 407 answered with proxy credentials, 423 with the Min-Expires") {
  PublicationFixture f;
  f.pub.publish("<one/>", "", t0);
  const Received& first = f.server.take();
  f.server.answer(407, t0, FakeServer::challenge("p1", true));
  const Received& authed = f.server.take();
  CHECK(authed.cseq() == first.cseq() + 1);
  CHECK(authed.msg.body == "<one/>");
  CHECK(FakeServer::check_credentials(authed, true) == AuthErrc::ok);
  f.server.answer(423, t0, "Min-Expires: 3600\r\n");
  const Received& longer = f.server.take();
  CHECK(longer.header(HeaderId::expires) == "3600");
  CHECK(FakeServer::check_credentials(longer, true) == AuthErrc::ok);
  f.server.answer(200, t0, "SIP-ETag: e1\r\nExpires: 3600\r\n");
  CHECK(names(f.events) == "SCPublicationDidSucceed");
  CHECK(f.events[0].expires == 3600);
}

TEST_CASE("publication: failures are retried after a back-off; the retry refreshes the state in place") {
  PublicationFixture f;
  f.pub.publish("<one/>", "", t0);
  f.server.take();
  f.server.answer(503, t0, "Retry-After: 5\r\n");
  CHECK(f.events.back().kind == PublicationEvent::Kind::did_fail);
  CHECK(f.events.back().retry_in == 5u);
  f.pub.on_timeout(t0 + 5s);
  const Received& again = f.server.take();
  CHECK(again.header(HeaderId::sip_if_match) == "(absent)");  // nothing in place yet
  CHECK(again.msg.body == "<one/>");
  f.server.answer(200, t0 + 5s, "SIP-ETag: e1\r\nExpires: 600\r\n");

  f.pub.on_timeout(t0 + 545s);
  f.server.take();
  f.pub.on_no_response(408, "Request Timeout", t0 + 577s);
  CHECK(f.events.back().code == 408);
  CHECK(f.events.back().retry_in == 30u);  // the back-off restarted after the success
  f.pub.on_timeout(t0 + 607s);
  const Received& retry = f.server.take();
  CHECK(retry.header(HeaderId::sip_if_match) == "e1");
  CHECK(retry.msg.body.empty());
  f.server.answer(500, t0 + 607s);
  CHECK(f.events.back().retry_in == 60u);
  CHECK(names(f.events) ==
        "SCPublicationDidFail SCPublicationDidSucceed SCPublicationDidFail SCPublicationDidFail");
}

TEST_CASE("publication: end() before anything is in place, and while the PUBLISH is in flight") {
  PublicationFixture f;
  SUBCASE("nothing published: DidEnd at once") {
    f.pub.end(t0);
    CHECK(names(f.events) == "SCPublicationWillEnd SCPublicationDidEnd");
    CHECK(f.server.quiet());
  }
  SUBCASE("in flight: removed after its 2xx") {
    f.pub.publish("<one/>", "", t0);
    f.server.take();
    f.pub.end(t0);
    CHECK(f.server.quiet());
    f.server.answer(200, t0, "SIP-ETag: e1\r\nExpires: 600\r\n");
    const Received& remove = f.server.take();
    CHECK(remove.header(HeaderId::expires) == "0");
    CHECK(remove.header(HeaderId::sip_if_match) == "e1");
    f.server.answer(200, t0);
    CHECK(names(f.events) == "SCPublicationWillEnd SCPublicationDidSucceed SCPublicationDidEnd");
  }
  SUBCASE("publish() while the removal is in flight: published anew after it") {
    f.pub.publish("<one/>", "", t0);
    f.server.take();
    f.server.answer(200, t0, "SIP-ETag: e1\r\nExpires: 600\r\n");
    f.pub.end(t0 + 1s);
    f.server.take();
    f.pub.publish("<back/>", "", t0 + 2s);
    CHECK(f.server.quiet());
    f.server.answer(200, t0 + 2s);
    const Received& fresh = f.server.take();
    CHECK(fresh.header(HeaderId::sip_if_match) == "(absent)");
    CHECK(fresh.msg.body == "<back/>");
    CHECK(f.pub.state() == Publication::State::publishing);
  }
}

// ---- Pager ----------------------------------------------------------------

namespace {

PagerConfig pager_config() {
  PagerConfig c;
  c.address.request_uri = "sip:bob@example.com";
  c.address.from = "\"Alice\" <sip:alice@example.com>";
  c.address.to = "<sip:bob@example.com>";
  return c;
}

struct PagerFixture {
  DigestClient digest = make_digest();
  IdGenerator ids{13};
  std::vector<PagerEvent> events;
  Pager pager;
  FakeServer server{pager};

  explicit PagerFixture(bool with_account)
      : pager(pager_config(), with_account ? &digest : nullptr, ids,
              [this](const PagerEvent& e) { events.push_back(e); }) {}
};

}  // namespace

TEST_CASE("pager: MESSAGEs one at a time in order, each answered by its id") {
  PagerFixture f(true);
  const std::uint64_t one = f.pager.send("hello", "text/plain", t0);
  const std::uint64_t two = f.pager.send("<b>second</b>", "text/html", t0);
  CHECK(one != two);
  CHECK(f.pager.queued() == 2);

  const Received& m1 = f.server.take();
  CHECK(m1.msg.method == "MESSAGE");
  CHECK(m1.msg.request_uri_text == "sip:bob@example.com");
  CHECK(m1.next_hop == "sip:bob@example.com");
  CHECK(m1.bytes.find("Via:") == std::string::npos);
  CHECK(m1.msg.body == "hello");
  CHECK(m1.header(HeaderId::content_type) == "text/plain");
  CHECK(m1.header(HeaderId::contact) == "(absent)");
  CHECK(m1.msg.to.tag().empty());
  CHECK(f.server.quiet());  // the second waits

  f.server.answer(200, t0);
  REQUIRE(f.events.size() == 1);
  CHECK(f.events[0].kind == PagerEvent::Kind::did_deliver);
  CHECK(f.events[0].message_id == one);
  CHECK(f.events[0].code == 200);

  const Received& m2 = f.server.take();
  CHECK(m2.msg.body == "<b>second</b>");
  CHECK(m2.header(HeaderId::content_type) == "text/html");
  CHECK(m2.msg.call_id == m1.msg.call_id);
  CHECK(m2.cseq() == m1.cseq() + 1);
  f.pager.on_no_response(408, "Request Timeout", t0 + 32s);
  REQUIRE(f.events.size() == 2);
  CHECK(f.events[1].kind == PagerEvent::Kind::did_not_deliver);
  CHECK(f.events[1].message_id == two);
  CHECK(f.events[1].code == 408);
  CHECK(f.pager.queued() == 0);
  CHECK(f.server.quiet());

  const std::uint64_t three = f.pager.send("third", "text/plain", t0 + 40s);
  f.server.take();
  f.server.answer(404, t0 + 40s);
  CHECK(f.events.back().message_id == three);
  CHECK(f.events.back().code == 404);
  CHECK(f.events.back().reason == "Not Found");
  CHECK(names(f.events) == "SCPagerDidDeliverMessage SCPagerDidNotDeliverMessage SCPagerDidNotDeliverMessage");
}

TEST_CASE("pager: 401 answered with credentials over the body; a second 401 fails the message") {
  PagerFixture f(true);
  const std::uint64_t id = f.pager.send("hello", "text/plain", t0);
  const Received& first = f.server.take();
  f.server.answer(401, t0, FakeServer::challenge("m1"));
  const Received& authed = f.server.take();
  CHECK(authed.cseq() == first.cseq() + 1);
  CHECK(authed.msg.body == "hello");
  CHECK(FakeServer::check_credentials(authed) == AuthErrc::ok);

  SUBCASE("accepted") {
    f.server.answer(202, t0);
    CHECK(names(f.events) == "SCPagerDidDeliverMessage");
    CHECK(f.events[0].message_id == id);
    CHECK(f.events[0].code == 202);
  }
  SUBCASE("challenged again with the same nonce: rejected") {
    f.server.answer(401, t0, FakeServer::challenge("m1"));
    CHECK(names(f.events) == "SCPagerDidNotDeliverMessage");
    CHECK(f.events[0].code == 401);
    CHECK(f.server.quiet());
  }
}

TEST_CASE("pager: without an account a 401 fails the message") {
  PagerFixture f(false);
  f.pager.send("hello", "text/plain", t0);
  f.server.take();
  f.server.answer(401, t0, FakeServer::challenge("m1"));
  CHECK(names(f.events) == "SCPagerDidNotDeliverMessage");
  CHECK(f.events[0].reason.find("Unauthorized") == 0);
}

TEST_CASE("pager: a received MESSAGE as values") {
  const std::string bytes =
      "MESSAGE sip:alice@192.0.2.1:5060 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKm1\r\n"
      "Max-Forwards: 70\r\n"
      "From: \"Bob\" <sip:bob@example.com>;tag=b1\r\n"
      "To: <sip:alice@example.com>\r\n"
      "Call-ID: m1@example.com\r\n"
      "CSeq: 1 MESSAGE\r\n"
      "Content-Type: text/plain;charset=utf-8\r\n"
      "Content-Length: 2\r\n\r\nhi";
  Message m;
  REQUIRE_FALSE(parse_message(bytes, m));
  const PagerMessage got = received_message(m);
  CHECK(got.from == "sip:bob@example.com");
  CHECK(got.to == "sip:alice@example.com");
  CHECK(got.content_type == "text/plain;charset=utf-8");
  CHECK(got.body == "hi");
  CHECK(got.name() == "SCPagerGotMessage");
}
