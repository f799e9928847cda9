// Transaction layer (RFC 3261 §17, RFC 6026) driven by a virtual clock:
// retransmission schedules, timeouts, ACK generation, matching, and two
// transaction layers talking through a lossy in-memory network.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "sip/syntax/message.hpp"
#include "sip/syntax/writer.hpp"
#include "sip/transaction/transaction_layer.hpp"

using namespace cosip::sip;
using namespace std::chrono_literals;

namespace {

std::string request(std::string_view method, std::string_view branch = "z9hG4bK-1") {
  MessageWriter w;
  w.request_line(method, "sip:bob@example.com");
  w.header("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=" + std::string(branch));
  w.header("Route", "<sip:proxy.example.com;lr>");
  w.header("Max-Forwards", "70");
  w.header("From", "<sip:alice@example.com>;tag=a1");
  w.header("To", "<sip:bob@example.com>");
  w.header("Call-ID", "call-1@192.0.2.1");
  w.header("CSeq", "1 " + std::string(method));
  return w.finish();
}

struct Parsed {
  std::string bytes;
  Message msg;
  explicit Parsed(std::string b) : bytes(std::move(b)) { REQUIRE_FALSE(parse_message(bytes, msg)); }
};

std::string response_for(const std::string& req, int code) {
  Parsed r(req);
  return response_to(r.msg, code, reason_phrase(code), "b1").finish();
}

std::vector<std::string> drain(TransactionLayer& layer) {
  std::vector<std::string> out;
  while (auto t = layer.poll_transmit()) out.emplace_back(t->bytes);
  return out;
}

std::vector<TransactionEvent::Kind> events(TransactionLayer& layer) {
  std::vector<TransactionEvent::Kind> out;
  while (auto e = layer.poll_event()) out.push_back(e->kind);
  return out;
}

// Advances virtual time to each deadline up to `until`, collecting the
// times at which something was sent.
std::vector<Duration> run_until(TransactionLayer& layer, TimePoint start, TimePoint until) {
  std::vector<Duration> sends;
  while (auto next = layer.next_timeout()) {
    if (*next > until) break;
    layer.on_timeout(*next);
    for (std::size_t i = 0, n = drain(layer).size(); i < n; ++i)
      sends.push_back(std::chrono::duration_cast<Duration>(*next - start));
  }
  return sends;
}

bool contains(const std::vector<TransactionEvent::Kind>& v, TransactionEvent::Kind k) {
  return std::find(v.begin(), v.end(), k) != v.end();
}

}  // namespace

TEST_CASE("INVITE client over UDP retransmits at T1, 2T1, 4T1 ... and times out at 64*T1 (Timers A, B)") {
  TransactionLayer layer;
  const TimePoint t0{};
  layer.start_client(request("INVITE"), false, 7, t0);
  CHECK(drain(layer).size() == 1);  // the first send
  const auto sends = run_until(layer, t0, t0 + 64s);
  const std::vector<Duration> expected{500ms, 1500ms, 3500ms, 7500ms, 15500ms, 31500ms};
  CHECK(sends == expected);
  const auto ev = events(layer);
  CHECK(contains(ev, TransactionEvent::Kind::timeout));
  CHECK(layer.size() == 0);
}

TEST_CASE("INVITE client over TCP never retransmits but still times out") {
  TransactionLayer layer;
  const TimePoint t0{};
  layer.start_client(request("INVITE"), true, 0, t0);
  CHECK(drain(layer).size() == 1);
  CHECK(run_until(layer, t0, t0 + 64s).empty());
  CHECK(contains(events(layer), TransactionEvent::Kind::timeout));
}

TEST_CASE("INVITE client: 1xx stops retransmissions; a non-2xx final gets an ACK, again for each retransmission") {
  TransactionLayer layer;
  const TimePoint t0{};
  const std::string req = request("INVITE");
  const TransactionId id = layer.start_client(req, false, 0, t0);
  drain(layer);

  Parsed trying(response_for(req, 100));
  CHECK(layer.on_message(trying.msg, false, 0, t0 + 100ms).kind == Incoming::Kind::response);
  CHECK(layer.client(id)->state() == ClientTransaction::State::proceeding);
  CHECK(run_until(layer, t0, t0 + 60s).empty());  // no Timer A, no Timer B in Proceeding

  Parsed busy(response_for(req, 486));
  CHECK(layer.on_message(busy.msg, false, 0, t0 + 60s).kind == Incoming::Kind::response);
  auto sent = drain(layer);
  REQUIRE(sent.size() == 1);
  Parsed ack(sent[0]);
  CHECK(ack.msg.method == "ACK");
  CHECK(ack.msg.cseq.number == 1);
  CHECK(ack.msg.cseq.method == "ACK");
  CHECK(ack.msg.vias.size() == 1);
  CHECK(ack.msg.vias[0].branch() == "z9hG4bK-1");  // §17.1.1.3: same branch as the INVITE
  CHECK(ack.msg.to.tag() == "b1");                 // To of the response
  CHECK(ack.msg.find(HeaderId::route) != nullptr);
  CHECK(ack.msg.request_uri_text == "sip:bob@example.com");

  // The 486 again: absorbed, answered with the same ACK.
  CHECK(layer.on_message(busy.msg, false, 0, t0 + 61s).kind == Incoming::Kind::absorbed);
  CHECK(drain(layer) == sent);
  // Timer D: at least 32 s, then gone.
  run_until(layer, t0, t0 + 60s + 31s);
  CHECK(layer.client(id) != nullptr);
  run_until(layer, t0, t0 + 60s + 33s);
  CHECK(layer.client(id) == nullptr);
}

TEST_CASE("INVITE client: a 2xx moves to Accepted, later 2xx go to the TU, Timer M ends it (RFC 6026)") {
  TransactionLayer layer;
  const TimePoint t0{};
  const std::string req = request("INVITE");
  const TransactionId id = layer.start_client(req, false, 0, t0);
  drain(layer);
  Parsed ok(response_for(req, 200));
  CHECK(layer.on_message(ok.msg, false, 0, t0 + 1s).kind == Incoming::Kind::response);
  CHECK(drain(layer).empty());  // the TU sends the ACK of a 2xx
  CHECK(layer.client(id)->state() == ClientTransaction::State::accepted);
  CHECK(layer.on_message(ok.msg, false, 0, t0 + 2s).kind == Incoming::Kind::response);
  run_until(layer, t0, t0 + 1s + 32s + 1ms);
  CHECK(layer.client(id) == nullptr);
  Parsed late(response_for(req, 200));
  CHECK(layer.on_message(late.msg, false, 0, t0 + 40s).kind == Incoming::Kind::stray_response);
}

TEST_CASE("non-INVITE client: Timer E doubles up to T2, then T2 after a 1xx; Timer F times out") {
  TransactionLayer layer;
  const TimePoint t0{};
  layer.start_client(request("OPTIONS"), false, 0, t0);
  drain(layer);
  const auto sends = run_until(layer, t0, t0 + 64s);
  // 0.5, 1.5, 3.5, 7.5 then every 4 s until 32 s.
  REQUIRE(sends.size() >= 6);
  CHECK(sends[0] == 500ms);
  CHECK(sends[1] == 1500ms);
  CHECK(sends[2] == 3500ms);
  CHECK(sends[3] == 7500ms);
  CHECK(sends[4] == 11500ms);
  CHECK(sends.back() < 32s);
  CHECK(contains(events(layer), TransactionEvent::Kind::timeout));
}

TEST_CASE("non-INVITE client: a final response completes it; retransmissions are absorbed until Timer K") {
  TransactionLayer layer;
  const TimePoint t0{};
  const std::string req = request("MESSAGE");
  const TransactionId id = layer.start_client(req, false, 0, t0);
  drain(layer);
  Parsed ok(response_for(req, 200));
  CHECK(layer.on_message(ok.msg, false, 0, t0 + 100ms).kind == Incoming::Kind::response);
  CHECK(layer.on_message(ok.msg, false, 0, t0 + 200ms).kind == Incoming::Kind::absorbed);
  CHECK(drain(layer).empty());
  run_until(layer, t0, t0 + 100ms + 5s);
  CHECK(layer.client(id) == nullptr);
}

TEST_CASE("a response matches by branch and CSeq method: CANCEL and INVITE share a branch") {
  TransactionLayer layer;
  const TimePoint t0{};
  const std::string invite = request("INVITE");
  const std::string cancel = request("CANCEL");
  const TransactionId i = layer.start_client(invite, false, 0, t0);
  const TransactionId c = layer.start_client(cancel, false, 0, t0);
  drain(layer);
  Parsed cancel_ok(response_for(cancel, 200));
  CHECK(layer.on_message(cancel_ok.msg, false, 0, t0).id == c);
  Parsed terminated(response_for(invite, 487));
  CHECK(layer.on_message(terminated.msg, false, 0, t0).id == i);
  Parsed other(response_for(request("INVITE", "z9hG4bK-other"), 200));
  CHECK(layer.on_message(other.msg, false, 0, t0).kind == Incoming::Kind::stray_response);
}

TEST_CASE("INVITE server: retransmitted INVITE resends the last response; 486 retransmits with Timer G until ACK") {
  TransactionLayer layer;
  const TimePoint t0{};
  const std::string req = request("INVITE");
  Parsed invite(req);
  const Incoming in = layer.on_message(invite.msg, false, 3, t0);
  REQUIRE(in.kind == Incoming::Kind::request);
  CHECK(layer.respond(in.id, 180, response_for(req, 180), t0));
  CHECK(drain(layer).size() == 1);
  CHECK(layer.on_message(invite.msg, false, 3, t0 + 10ms).kind == Incoming::Kind::absorbed);
  CHECK(drain(layer).size() == 1);  // the 180 again

  CHECK(layer.respond(in.id, 486, response_for(req, 486), t0 + 1s));
  CHECK(drain(layer).size() == 1);
  CHECK_FALSE(layer.respond(in.id, 200, response_for(req, 200), t0 + 1s));  // already final
  const auto sends = run_until(layer, t0 + 1s, t0 + 1s + 8s);
  const std::vector<Duration> expected{500ms, 1500ms, 3500ms, 7500ms};  // G doubles up to T2
  CHECK(sends == expected);

  Parsed ack(request("ACK"));
  CHECK(layer.on_message(ack.msg, false, 3, t0 + 10s).kind == Incoming::Kind::absorbed);
  CHECK(run_until(layer, t0, t0 + 10s + 4s).empty());  // Confirmed: no more retransmissions
  run_until(layer, t0, t0 + 10s + 5s);                 // Timer I = T4
  CHECK(layer.size() == 0);
  CHECK_FALSE(contains(events(layer), TransactionEvent::Kind::ack_timeout));
}

TEST_CASE("INVITE server: a 180 and a 200 given before the shell drains are both sent, in order") {
  TransactionLayer layer;
  const TimePoint t0{};
  const std::string req = request("INVITE");
  Parsed invite(req);
  const Incoming in = layer.on_message(invite.msg, false, 0, t0);
  layer.respond(in.id, 180, response_for(req, 180), t0);
  layer.respond(in.id, 200, response_for(req, 200), t0);
  const auto sent = drain(layer);
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].starts_with("SIP/2.0 180"));
  CHECK(sent[1].starts_with("SIP/2.0 200"));
}

TEST_CASE("INVITE server: a 180 due again and superseded by a 200 before the drain: only the 200 goes") {
  TransactionLayer layer;
  const TimePoint t0{};
  const std::string req = request("INVITE");
  Parsed invite(req);
  const Incoming in = layer.on_message(invite.msg, false, 0, t0);
  layer.respond(in.id, 180, response_for(req, 180), t0);
  CHECK(drain(layer).size() == 1);
  CHECK(layer.on_message(invite.msg, false, 0, t0 + 10ms).kind == Incoming::Kind::absorbed);  // the 180 is due
  layer.respond(in.id, 200, response_for(req, 200), t0 + 10ms);
  const auto sent = drain(layer);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].starts_with("SIP/2.0 200"));
}

TEST_CASE("INVITE server: without an ACK Timer H gives up and tells the TU") {
  TransactionLayer layer;
  const TimePoint t0{};
  const std::string req = request("INVITE");
  Parsed invite(req);
  const Incoming in = layer.on_message(invite.msg, false, 0, t0);
  layer.respond(in.id, 603, response_for(req, 603), t0);
  run_until(layer, t0, t0 + 33s);
  CHECK(contains(events(layer), TransactionEvent::Kind::ack_timeout));
  CHECK(layer.size() == 0);
}

TEST_CASE("INVITE server: after a 2xx, INVITE retransmissions are absorbed and the ACK goes to the TU") {
  TransactionLayer layer;
  const TimePoint t0{};
  const std::string req = request("INVITE");
  Parsed invite(req);
  const Incoming in = layer.on_message(invite.msg, false, 0, t0);
  layer.respond(in.id, 200, response_for(req, 200), t0);
  drain(layer);
  CHECK(layer.on_message(invite.msg, false, 0, t0 + 1s).kind == Incoming::Kind::absorbed);
  CHECK(drain(layer).empty());  // the TU retransmits its 2xx itself (§13.3.1.4)
  Parsed ack(request("ACK", "z9hG4bK-ack"));  // a 2xx ACK is a new transaction branch
  CHECK(layer.on_message(ack.msg, false, 0, t0 + 2s).kind == Incoming::Kind::ack);
}

TEST_CASE("non-INVITE server: retransmissions get the final response again until Timer J") {
  TransactionLayer layer;
  const TimePoint t0{};
  const std::string req = request("OPTIONS");
  Parsed options(req);
  const Incoming in = layer.on_message(options.msg, false, 0, t0);
  REQUIRE(in.kind == Incoming::Kind::request);
  CHECK(layer.on_message(options.msg, false, 0, t0).kind == Incoming::Kind::absorbed);
  CHECK(drain(layer).empty());  // Trying: nothing to resend yet
  layer.respond(in.id, 200, response_for(req, 200), t0 + 10ms);
  CHECK(drain(layer).size() == 1);
  CHECK(layer.on_message(options.msg, false, 0, t0 + 1s).kind == Incoming::Kind::absorbed);
  CHECK(drain(layer).size() == 1);
  run_until(layer, t0, t0 + 10ms + 32s);
  CHECK(layer.size() == 0);
  CHECK(layer.on_message(options.msg, false, 0, t0 + 40s).kind == Incoming::Kind::request);
}

TEST_CASE("RFC 2543 requests without the magic cookie match by Call-ID, From tag, CSeq and Via") {
  TransactionLayer layer;
  const TimePoint t0{};
  Parsed a(request("OPTIONS", "old-style"));
  const Incoming first = layer.on_message(a.msg, false, 0, t0);
  CHECK(first.kind == Incoming::Kind::request);
  CHECK(layer.on_message(a.msg, false, 0, t0).kind == Incoming::Kind::absorbed);
}

// Two transaction layers joined by a network that drops packets at random:
// the transaction completes through retransmissions, in virtual time.
TEST_CASE("a MESSAGE and an INVITE complete through 40% packet loss on a virtual network") {
  std::mt19937 rng(4475);
  std::bernoulli_distribution lost(0.4);
  for (const char* method : {"MESSAGE", "INVITE"}) {
    CAPTURE(method);
    for (int run = 0; run < 50; ++run) {
      TransactionLayer uac, uas;
      TimePoint now{};
      const std::string req = request(method, "z9hG4bK-run" + std::to_string(run));
      const TransactionId cid = uac.start_client(req, false, 0, now);
      bool answered = false, completed = false, timed_out = false;
      for (int step = 0; step < 1000 && !completed && !timed_out; ++step) {
        while (auto t = uac.poll_transmit()) {
          if (lost(rng)) continue;
          Parsed in(std::string(t->bytes));
          const Incoming r = uas.on_message(in.msg, false, 0, now);
          if (r.kind == Incoming::Kind::request) {
            uas.respond(r.id, 486, response_for(req, 486), now);
            answered = true;
          }
        }
        while (auto t = uas.poll_transmit()) {
          if (lost(rng)) continue;
          Parsed in(std::string(t->bytes));
          if (uac.on_message(in.msg, false, 0, now).kind == Incoming::Kind::response &&
              in.msg.status_code >= 200)
            completed = true;
        }
        while (auto e = uac.poll_event()) timed_out |= e->kind == TransactionEvent::Kind::timeout;
        const auto a = uac.next_timeout(), b = uas.next_timeout();
        if (!a && !b) break;
        now = (a && b) ? std::min(*a, *b) : (a ? *a : *b);
        uac.on_timeout(now);
        uas.on_timeout(now);
      }
      // With 40 % loss a transaction may still fail (the chance that 7
      // retransmissions all fail is small but real); what must never happen
      // is a completion without an answer, or silence without a timeout.
      CHECK((completed || timed_out));
      if (completed) CHECK(answered);
      (void)cid;
    }
  }
}
