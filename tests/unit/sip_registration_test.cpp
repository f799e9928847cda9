// Registration (RFC 3261 §10.2) against a scripted registrar on a virtual
// clock: what goes on the wire, digest, 423, refreshes, failures with
// back-off, and unregistering.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "sip/syntax/writer.hpp"
#include "sip/usage/registration.hpp"

using namespace cosip::sip;
using namespace std::chrono_literals;

namespace {

using Kind = RegistrationEvent::Kind;

RegistrationConfig alice() {
  RegistrationConfig c;
  c.address.request_uri = "sip:example.com";
  c.address.from = c.address.to = "<sip:alice@example.com>";
  c.contacts = {"sip:alice@192.0.2.1:5060"};
  return c;
}

// The registrar's side: takes each REGISTER the usage polls and answers it.
struct Registrar {
  explicit Registrar(RegistrationConfig config = alice(), DigestClient* digest = nullptr)
      : reg(std::move(config), digest, ids, [this](const RegistrationEvent& e) { events.push_back(e); }) {}

  IdGenerator ids{7};
  std::vector<RegistrationEvent> events;
  Registration reg;
  TimePoint now{};
  std::string bytes;  // the last REGISTER, with the Via a shell adds
  std::string next_hop;
  Message request;

  // The REGISTER the usage wants sent now.
  const Message& take() {
    auto r = reg.poll_request();
    REQUIRE(r.has_value());
    next_hop = r->next_hop;
    CHECK(r->bytes.find("\r\nVia:") == std::string::npos);  // the shell adds it
    bytes = r->bytes;
    bytes.insert(bytes.find("\r\n") + 2, "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n");
    REQUIRE_FALSE(parse_message(bytes, request));
    return request;
  }
  bool idle() { return !reg.poll_request().has_value(); }

  void answer(int code, std::string_view headers = {}) {
    MessageWriter w = response_to(request, code, reason_phrase(code), "reg1");
    w.header_lines(headers);
    const std::string response = w.finish();
    Message m;
    REQUIRE_FALSE(parse_message(response, m));
    reg.on_response(m, now);
  }
  // 200 listing our contact with `expires` and another device's binding.
  void ok(std::uint32_t expires) {
    answer(200, "Contact: <sip:alice@192.0.2.1:5060>;expires=" + std::to_string(expires) +
                    "\r\nContact: <sip:alice@198.51.100.7:5060>;expires=99\r\n");
  }
  void advance_to_timer() {
    const auto t = reg.next_timeout();
    REQUIRE(t.has_value());
    now = *t;
    reg.on_timeout(now);
  }
  std::string header(HeaderId id) const {
    const Header* h = request.find(id);
    return h != nullptr ? std::string(h->value) : "(absent)";
  }
};

}  // namespace

TEST_CASE("REGISTER on the wire (§10.2)") {
  RegistrationConfig c = alice();
  c.instance_id = "<urn:uuid:00000000-0000-1000-8000-000A95A0E128>";
  c.reg_id = 1;
  c.address.route = {"sip:proxy.example.com"};
  Registrar r(c);
  r.reg.start(r.now);
  const Message& m = r.take();
  CHECK(m.method == "REGISTER");
  CHECK(m.request_uri_text == "sip:example.com");
  CHECK(r.next_hop == "sip:proxy.example.com");  // §8.1.2: the first route
  CHECK(m.to.uri.user == "alice");
  CHECK(m.from.uri.user == "alice");
  CHECK_FALSE(m.from.tag().empty());
  CHECK(m.to.tag().empty());
  CHECK(m.cseq.number == 1);
  CHECK(r.header(HeaderId::max_forwards) == "70");
  CHECK(r.header(HeaderId::expires) == "3600");
  CHECK(r.header(HeaderId::route) == "<sip:proxy.example.com;lr>");
  // RFC 5626 §4.2.1: instance and reg-id on the contact, outbound supported.
  CHECK(r.header(HeaderId::contact) ==
        "<sip:alice@192.0.2.1:5060>;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\";reg-id=1");
  CHECK(r.header(HeaderId::supported) == "outbound");
  CHECK(r.idle());  // one request at a time
}

TEST_CASE("success: the contacts and the expiry granted to ours; refresh before it lapses (§10.2.4)") {
  Registrar r;
  r.reg.start(r.now);
  const std::string call_id(r.take().call_id);
  r.ok(1800);
  REQUIRE(r.events.size() == 1);
  const RegistrationEvent& e = r.events[0];
  CHECK(e.name() == "SCRegistrationDidSucceed");
  CHECK(e.code == 200);
  CHECK(e.expires == 1800);
  REQUIRE(e.contacts.size() == 2);
  CHECK(e.contacts[0].ours);
  CHECK(e.contacts[0].expires == 1800);
  CHECK_FALSE(e.contacts[1].ours);
  CHECK(e.contacts[1].uri == "sip:alice@198.51.100.7:5060");
  CHECK(r.reg.state() == Registration::State::registered);
  // A minute before the end.
  CHECK(r.reg.next_timeout() == r.now + 1740s);
  r.advance_to_timer();
  const Message& refresh = r.take();
  CHECK(refresh.call_id == call_id);  // §10.2.4: same Call-ID, higher CSeq
  CHECK(refresh.cseq.number == 2);
  r.ok(60);
  CHECK(r.events.size() == 2);
  CHECK(r.reg.next_timeout() == r.now + 30s);  // short bindings: at half their life
}

TEST_CASE("the Expires header gives the expiry when the contact has none") {
  Registrar r;
  r.reg.start(r.now);
  r.take();
  r.answer(200, "Contact: <sip:alice@192.0.2.1:5060>\r\nExpires: 120\r\n");
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].expires == 120);
}

TEST_CASE("digest: the 401 is answered with credentials the registrar accepts (§22.2)") {
  DigestClient digest([n = 0u](std::span<unsigned char> out) mutable {
    for (unsigned char& b : out) b = static_cast<unsigned char>(n++);
    return true;
  });
  REQUIRE(digest.add_account({"alice", "secret", ""}));
  Registrar r(alice(), &digest);
  r.reg.start(r.now);
  r.take();
  CHECK(r.header(HeaderId::authorization) == "(absent)");
  const std::string challenge = make_digest_challenge({.realm = "example.com", .nonce = "n1"});
  r.answer(401, "WWW-Authenticate: " + challenge + "\r\n");
  CHECK(r.events.empty());  // a challenge is not a failure
  const Message& retry = r.take();
  CHECK(retry.cseq.number == 2);
  const Header* auth = retry.find(HeaderId::authorization);
  REQUIRE(auth != nullptr);
  AuthValue value;
  REQUIRE(decode_auth(auth->value, value));
  DigestCredentials c;
  REQUIRE(parse_digest_credentials(value, c) == AuthErrc::ok);
  CHECK(c.uri == "sip:example.com");
  CHECK(verify_digest(c, {.method = "REGISTER", .realm = "example.com", .password = "secret"}) == AuthErrc::ok);
  r.ok(3600);
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].kind == Kind::did_succeed);

  SUBCASE("the refresh carries credentials before being challenged (RFC 7616 §3.6)") {
    r.advance_to_timer();
    r.take();
    CHECK(r.header(HeaderId::authorization).find("nc=00000002") != std::string::npos);
  }
  SUBCASE("the same nonce challenged again: the password is wrong, DidFail 401") {
    r.advance_to_timer();
    r.take();
    r.answer(401, "WWW-Authenticate: " + challenge + "\r\n");
    REQUIRE(r.events.size() == 2);
    CHECK(r.events[1].kind == Kind::did_fail);
    CHECK(r.events[1].code == 401);
    INFO(r.events[1].reason);
    CHECK(r.events[1].reason.find("rejected") != std::string::npos);
  }
}

TEST_CASE("a 401 without an account for it: DidFail") {
  Registrar r;
  r.reg.start(r.now);
  r.take();
  r.answer(401, "WWW-Authenticate: " + make_digest_challenge({.realm = "example.com", .nonce = "n1"}) + "\r\n");
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].kind == Kind::did_fail);
  CHECK(r.events[0].code == 401);
}

TEST_CASE("423: asked again with the registrar's Min-Expires (§10.2.8)") {
  RegistrationConfig c = alice();
  c.expires = 30;
  Registrar r(c);
  r.reg.start(r.now);
  r.take();
  r.answer(423, "Min-Expires: 600\r\n");
  CHECK(r.events.empty());
  const Message& again = r.take();
  CHECK(again.cseq.number == 2);
  CHECK(r.header(HeaderId::expires) == "600");
  SUBCASE("granted") {
    r.ok(600);
    REQUIRE(r.events.size() == 1);
    CHECK(r.events[0].expires == 600);
  }
  SUBCASE("a 423 that asks for no more than we did is a failure, not a loop") {
    r.answer(423, "Min-Expires: 600\r\n");
    REQUIRE(r.events.size() == 1);
    CHECK(r.events[0].kind == Kind::did_fail);
    CHECK(r.events[0].code == 423);
  }
}

TEST_CASE("failures: DidFail, then retries after Retry-After or a doubling back-off (RFC 5626 §4.5)") {
  Registrar r;
  r.reg.start(r.now);
  r.take();
  r.answer(503, "Retry-After: 10\r\n");
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].name() == "SCRegistrationDidFail");
  CHECK(r.events[0].code == 503);
  CHECK(r.events[0].retry_in == 10u);
  CHECK(r.reg.state() == Registration::State::waiting_retry);
  CHECK(r.idle());
  r.advance_to_timer();
  CHECK(r.now == TimePoint{} + 10s);
  r.take();
  r.answer(404);
  CHECK(r.events.back().retry_in == 60u);  // the second failure in a row
  r.advance_to_timer();
  r.take();
  r.reg.on_no_response(408, "Request Timeout", r.now);
  CHECK(r.events.back().code == 408);
  CHECK(r.events.back().retry_in == 120u);
  r.advance_to_timer();
  r.take();
  r.ok(3600);
  CHECK(r.events.back().kind == Kind::did_succeed);
  // Success resets the back-off.
  r.advance_to_timer();
  r.take();
  r.answer(500);
  CHECK(r.events.back().retry_in == 30u);
}

TEST_CASE("end(): WillEnd, our bindings removed with expires=0, DidEnd with the answer (§10.2.2)") {
  Registrar r;
  r.reg.start(r.now);
  r.take();
  r.ok(3600);
  r.reg.end(r.now);
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[1].name() == "SCRegistrationWillEnd");
  const Message& m = r.take();
  CHECK(m.cseq.number == 2);
  CHECK(r.header(HeaderId::contact) == "<sip:alice@192.0.2.1:5060>;expires=0");  // ours, not "*"
  CHECK(r.header(HeaderId::expires) == "0");
  r.answer(200);
  REQUIRE(r.events.size() == 3);
  CHECK(r.events[2].name() == "SCRegistrationDidEnd");
  CHECK(r.events[2].code == 200);
  CHECK(r.reg.state() == Registration::State::ended);
  CHECK_FALSE(r.reg.next_timeout().has_value());
}

TEST_CASE("end() with nothing registered ends at once; end() during a REGISTER waits for its answer") {
  SUBCASE("never started") {
    Registrar r;
    r.reg.end(r.now);
    REQUIRE(r.events.size() == 2);
    CHECK(r.events[0].kind == Kind::will_end);
    CHECK(r.events[1].kind == Kind::did_end);
    CHECK(r.idle());
  }
  SUBCASE("in flight, then granted: removed right after") {
    Registrar r;
    r.reg.start(r.now);
    r.take();
    r.reg.end(r.now);
    CHECK(r.idle());
    r.ok(3600);
    r.take();
    CHECK(r.header(HeaderId::expires) == "0");
    r.answer(200);
    CHECK(r.events.back().kind == Kind::did_end);
  }
  SUBCASE("in flight, then refused: nothing to remove") {
    Registrar r;
    r.reg.start(r.now);
    r.take();
    r.reg.end(r.now);
    r.answer(403);
    CHECK(r.idle());
    CHECK(r.events.back().kind == Kind::did_end);
    CHECK(r.reg.state() == Registration::State::ended);
  }
}
