// UA core extensions: reliable provisional responses (RFC 3262), UPDATE
// (RFC 3311) and session timers (RFC 4028). Two cores on the in-memory
// network of ua_test_network.hpp, on a virtual clock; each check reads what
// went on the wire.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "sip/syntax/writer.hpp"
#include "sip/ua/session_timer.hpp"
#include "sip/ua/user_agent_core.hpp"
#include "ua_test_network.hpp"

using namespace cosip::sip;
using namespace cosip::sip::test;
using namespace std::chrono_literals;

namespace {

// One UA: its core, what its application saw, and how the application answers.
struct Side {
  std::vector<int> codes;            // responses to its requests, as passed on
  std::vector<std::string> methods;  // requests passed on
  std::vector<std::string> ended;    // on_dialog_end reasons
  std::vector<TimePoint> refreshes;  // when on_session_refresh came
  Dialog* dialog = nullptr;          // of the last response that had one
  // The application's answer to each request; unset: left unanswered.
  std::function<void(const UserAgentCore::IncomingRequest&)> answer;
  std::function<void(Dialog&, std::uint32_t interval)> refresh;
  const TimePoint* now;
  UserAgentCore core;

  Side(UaConfig c, const TimePoint* clock)
      : now(clock),
        core(std::move(c), {.on_request =
                                [this](const UserAgentCore::IncomingRequest& r) {
                                  methods.emplace_back(r.request.method);
                                  if (answer) answer(r);
                                },
                            .on_ack = {},
                            .on_cancel = {},
                            .on_dialog_end = [this](const Dialog&, std::string_view why) { ended.emplace_back(why); },
                            .on_response =
                                [this](TransactionId, const Message& m, Dialog* d) {
                                  codes.push_back(m.status_code);
                                  if (d != nullptr) dialog = d;
                                },
                            .on_request_failed = {},
                            .on_session_refresh =
                                [this](Dialog& d, std::uint32_t interval) {
                                  refreshes.push_back(*now);
                                  if (refresh) refresh(d, interval);
                                }}) {}

  // The usual application: an INVITE gets 180 then 200, every request a
  // 200; an offer is answered with itself.
  void answer_everything() {
    answer = [this](const UserAgentCore::IncomingRequest& r) {
      if (r.request.method == "INVITE" && r.dialog == nullptr) core.respond(r.id, *now, 180);
      core.respond(r.id, *now, 200, {}, {}, r.request.body, r.request.body.empty() ? "" : "application/sdp");
    };
  }
};

UaConfig alice() { return config("sip:alice@192.0.2.1:5060", "192.0.2.1:5060"); }
UaConfig bob() { return config("sip:bob@192.0.2.2:5062", "192.0.2.2:5062"); }
UaConfig with_100rel(UaConfig c) {
  c.reliable_provisionals = true;
  return c;
}
UaConfig with_update(UaConfig c) {
  c.update = true;
  return c;
}
UaConfig with_timer(UaConfig c) {
  c.session_timer.enabled = true;
  return c;
}

// A caller (network side a) and a callee (side b) that answers everything.
struct Call {
  Network net;
  Side uac;
  Side uas;

  Call(UaConfig caller, UaConfig callee) : uac(std::move(caller), &net.now), uas(std::move(callee), &net.now) {
    net.a = &uac.core;
    net.b = &uas.core;
    uas.answer_everything();
  }

  // INVITE with `extra` headers, answered; the UAC's dialog.
  Dialog& establish(std::string_view extra = {}) {
    uac.core.send_request(invite(uac.core.ids(), extra), false, 2, net.now);
    net.flush();
    REQUIRE(uac.dialog != nullptr);
    REQUIRE(uac.dialog->state() == Dialog::State::confirmed);
    return *uac.dialog;
  }
  // The callee's side of the dialog the caller holds as `d`.
  Dialog& callee_dialog(const Dialog& d) {
    Dialog* mine = uas.core.find_dialog(DialogId{d.id().call_id, d.id().remote_tag, d.id().local_tag});
    REQUIRE(mine != nullptr);
    return *mine;
  }
};

// Indices into `sent` of the responses `code` to `method`.
std::vector<std::size_t> responses(const std::vector<std::string>& sent, int code, std::string_view method) {
  std::vector<std::size_t> found;
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const Message m = parse(sent[i]);
    if (!m.is_request && m.status_code == code && m.cseq.method == method) found.push_back(i);
  }
  return found;
}

// Indices into `sent` of the `method` requests.
std::vector<std::size_t> requests(const std::vector<std::string>& sent, std::string_view method) {
  std::vector<std::size_t> found;
  for (std::size_t i = 0; i < sent.size(); ++i)
    if (parse(sent[i]).method == method) found.push_back(i);
  return found;
}

// "INVITE", "180 INVITE", ... for each message of `sent`, in order.
std::vector<std::string> summary(const std::vector<std::string>& sent) {
  std::vector<std::string> lines;
  for (const std::string& s : sent) {
    const Message m = parse(s);
    lines.push_back(m.is_request ? std::string(m.method)
                                 : std::to_string(m.status_code) + " " + std::string(m.cseq.method));
  }
  return lines;
}

std::string header(const Message& m, HeaderId id) {
  const Header* h = m.find(id);
  return h == nullptr ? std::string() : std::string(h->value);
}

std::string branch(const Message& m) { return std::string(m.vias.front().branch()); }

Dialog::Request in_dialog(std::string method, std::string via, IdGenerator& ids, std::string contact = {}) {
  Dialog::Request r;
  r.method = std::move(method);
  r.via = std::move(via) + ";branch=" + ids.branch();
  r.contact = std::move(contact);
  return r;
}

Dialog::Request with_offer(Dialog::Request r) {
  r.body = sdp;
  r.content_type = "application/sdp";
  return r;
}

const Source from_alice{"192.0.2.1", 5060, false, 1};
const Source from_bob{"192.0.2.2", 5062, false, 2};

}  // namespace

TEST_CASE("a reliable 180 goes again at T1, 2*T1, 4*T1 until its PRACK; the 200 waits for the PRACK (RFC 3262 §3)") {
  Call c(with_100rel(alice()), with_100rel(bob()));
  c.uac.core.send_request(invite(c.uac.core.ids(), "Supported: 100rel\r\n"), false, 2, c.net.now);
  // The INVITE is handed over by hand; everything else the UAC sends (its
  // PRACK and the PRACK's retransmissions) is lost for now.
  c.net.drop_from_a = true;
  c.net.flush();
  REQUIRE(c.net.a_sent.size() == 1);
  c.net.deliver(c.uas.core, c.net.a_sent.front(), from_alice);
  const TimePoint t0 = c.net.now;
  const auto ringing = [&c] { return responses(c.net.b_sent, 180, "INVITE"); };
  c.net.run_until(t0 + 400ms);
  CHECK(ringing().size() == 1);
  c.net.run_until(t0 + 600ms);
  CHECK(ringing().size() == 2);
  c.net.run_until(t0 + 1400ms);
  CHECK(ringing().size() == 2);
  c.net.run_until(t0 + 1600ms);
  CHECK(ringing().size() == 3);
  c.net.run_until(t0 + 3600ms);
  CHECK(ringing().size() == 4);
  c.net.run_until(t0 + 7400ms);
  CHECK(ringing().size() == 4);

  // The same reliable 180 each time: Require: 100rel and one RSeq below 2**31.
  std::set<std::string> rseqs;
  for (std::size_t i : ringing()) {
    const Message m = parse(c.net.b_sent[i]);
    CHECK(m.has_option_tag(HeaderId::require, "100rel"));
    rseqs.insert(header(m, HeaderId::rseq));
  }
  REQUIRE(rseqs.size() == 1);
  std::uint32_t rseq = 0;
  REQUIRE(decode_uint(*rseqs.begin(), 0x7fffffffu, rseq));
  CHECK(rseq >= 1);
  CHECK(responses(c.net.b_sent, 200, "INVITE").empty());  // held back

  // The UAC passed the 180 on once and PRACKed it in one transaction: all
  // the PRACKs it sent share a branch and name that RSeq.
  CHECK(std::count(c.uac.codes.begin(), c.uac.codes.end(), 180) == 1);
  const auto pracks = requests(c.net.a_sent, "PRACK");
  CHECK(pracks.size() == 4);  // sent and retransmitted at 0.5, 1.5, 3.5 s, all lost
  std::set<std::string> branches;
  for (std::size_t i : pracks) {
    const Message m = parse(c.net.a_sent[i]);
    branches.insert(branch(m));
    CHECK(header(m, HeaderId::rack) == std::to_string(rseq) + " 1 INVITE");
  }
  CHECK(branches.size() == 1);

  // The network heals: the PRACK's retransmission at 7.5 s gets through.
  c.net.drop_from_a = false;
  c.net.run_until(t0 + 8s);
  const auto prack_ok = responses(c.net.b_sent, 200, "PRACK");
  const auto invite_ok = responses(c.net.b_sent, 200, "INVITE");
  REQUIRE(prack_ok.size() == 1);
  REQUIRE_FALSE(invite_ok.empty());
  CHECK(invite_ok.front() > prack_ok.front());
  CHECK(ringing().back() < prack_ok.front());
  const std::size_t ringing_sent = ringing().size();
  c.net.run_until(t0 + 60s);
  CHECK(ringing().size() == ringing_sent);  // no 180 after its PRACK
  CHECK(requests(c.net.a_sent, "ACK").size() == 1);
  CHECK(c.uac.core.dialog_count() == 1);
  CHECK(c.uas.core.dialog_count() == 1);
  CHECK(c.uas.ended.empty());
}

TEST_CASE("reliable 1xx go one at a time: the 183 waits for the PRACK of the 180, with the next RSeq (RFC 3262 §3)") {
  Call c(with_100rel(alice()), with_100rel(bob()));
  c.uas.answer = [&c](const UserAgentCore::IncomingRequest& r) {
    c.uas.core.respond(r.id, c.net.now, 180);
    c.uas.core.respond(r.id, c.net.now, 183, {}, {}, sdp, "application/sdp");
    c.uas.core.respond(r.id, c.net.now, 200, {}, {}, sdp, "application/sdp");
  };
  SUBCASE("the caller supports 100rel") {
    c.establish("Supported: 100rel\r\n");
    CHECK(summary(c.net.b_sent) ==
          std::vector<std::string>{"180 INVITE", "200 PRACK", "183 INVITE", "200 PRACK", "200 INVITE"});
    CHECK(summary(c.net.a_sent) == std::vector<std::string>{"INVITE", "PRACK", "PRACK", "ACK"});
    const Message ringing = parse(c.net.b_sent[0]);
    const Message progress = parse(c.net.b_sent[2]);
    std::uint32_t first = 0, second = 0;
    REQUIRE(decode_uint(header(ringing, HeaderId::rseq), 0xffffffffu, first));
    REQUIRE(decode_uint(header(progress, HeaderId::rseq), 0xffffffffu, second));
    CHECK(second == first + 1);
    CHECK(header(parse(c.net.a_sent[2]), HeaderId::rack) == std::to_string(second) + " 1 INVITE");
    CHECK(c.uac.codes == std::vector<int>{180, 183, 200});
  }
  SUBCASE("the caller does not: the 1xx go unreliably, without RSeq") {
    c.establish();
    CHECK(summary(c.net.b_sent) == std::vector<std::string>{"180 INVITE", "183 INVITE", "200 INVITE"});
    CHECK(parse(c.net.b_sent[0]).find(HeaderId::rseq) == nullptr);
    CHECK(requests(c.net.a_sent, "PRACK").empty());
  }
}

TEST_CASE("a PRACK that matches no unacknowledged reliable 1xx gets 481 (RFC 3262 §3)") {
  // This caller does not PRACK by itself: the test writes its PRACKs.
  Call c(alice(), with_100rel(bob()));
  c.uas.answer = [&c](const UserAgentCore::IncomingRequest& r) { c.uas.core.respond(r.id, c.net.now, 180); };
  c.uac.core.send_request(invite(c.uac.core.ids(), "Supported: 100rel\r\n"), false, 2, c.net.now);
  c.net.flush();
  REQUIRE(c.uac.dialog != nullptr);  // the early dialog of the 180
  std::uint32_t rseq = 0;
  REQUIRE(decode_uint(header(parse(c.net.b_sent.front()), HeaderId::rseq), 0xffffffffu, rseq));
  c.net.run_until(c.net.now + 1s);
  CHECK(responses(c.net.b_sent, 180, "INVITE").size() == 2);  // retransmitted at T1

  const auto prack = [&c](const std::string& rack) {
    Dialog::Request r = in_dialog("PRACK", "SIP/2.0/UDP 192.0.2.1:5060", c.uac.core.ids());
    r.extra_headers = "RAck: " + rack + "\r\n";
    c.uac.codes.clear();
    c.uac.core.send_request(c.uac.dialog->make_request(r), false, 2, c.net.now);
    c.net.flush();
    return c.uac.codes.empty() ? 0 : c.uac.codes.back();
  };
  CHECK(prack(std::to_string(rseq + 1) + " 1 INVITE") == 481);  // another RSeq
  CHECK(prack(std::to_string(rseq) + " 2 INVITE") == 481);      // another CSeq number
  CHECK(prack(std::to_string(rseq) + " 1 UPDATE") == 481);      // another method
  CHECK(prack(std::to_string(rseq) + " 1 INVITE") == 200);
  CHECK(prack(std::to_string(rseq) + " 1 INVITE") == 481);  // acknowledged already
  const std::size_t ringing_sent = responses(c.net.b_sent, 180, "INVITE").size();
  c.net.run_until(c.net.now + 30s);
  CHECK(responses(c.net.b_sent, 180, "INVITE").size() == ringing_sent);
  CHECK(c.uas.methods == std::vector<std::string>{"INVITE"});  // the core answers PRACKs itself
}

TEST_CASE("no PRACK for 64*T1: the 180 goes at T1, 2*T1, ... uncapped, then the INVITE gets a 500 (RFC 3262 §3)") {
  Call c(alice(), with_100rel(bob()));  // the caller never PRACKs
  c.uac.core.send_request(invite(c.uac.core.ids(), "Supported: 100rel\r\n"), false, 2, c.net.now);
  c.net.flush();
  const TimePoint t0 = c.net.now;
  c.net.run_until(t0 + 31900ms);
  // 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s: the interval doubles past T2.
  CHECK(responses(c.net.b_sent, 180, "INVITE").size() == 7);
  CHECK(responses(c.net.b_sent, 500, "INVITE").empty());
  CHECK(c.uas.ended.empty());
  c.net.run_until(t0 + 32100ms);
  CHECK(responses(c.net.b_sent, 500, "INVITE").size() == 1);
  CHECK(responses(c.net.b_sent, 200, "INVITE").empty());  // the queued 200 never went
  CHECK(c.uac.codes.back() == 500);
  CHECK(requests(c.net.a_sent, "ACK").size() == 1);
  CHECK(c.uas.ended == std::vector<std::string>{"no PRACK"});
  // §12.3: the 500 ends the early dialog on both sides.
  CHECK(c.uas.core.dialog_count() == 0);
  CHECK(c.uac.core.dialog_count() == 0);
}

TEST_CASE("the UAC PRACKs each reliable 1xx once, in RSeq order; repeats and gaps are dropped (RFC 3262 §4)") {
  TimePoint now{};
  Side uac(with_100rel(alice()), &now);
  struct Sent {
    std::string uri;
    std::string bytes;
  };
  const auto drain = [&uac] {
    std::vector<Sent> sent;
    while (const auto o = uac.core.poll_transmit()) sent.push_back(Sent{o->uri, std::string(o->bytes)});
    return sent;
  };
  uac.core.send_request(invite(uac.core.ids(), "Supported: 100rel\r\n"), false, 2, now);
  const std::vector<Sent> sent_invite = drain();
  REQUIRE(sent_invite.size() == 1);
  const Message inv = parse(sent_invite[0].bytes);
  // The callee's reliable 1xx, written by hand.
  const auto provisional = [&](int code, std::uint32_t rseq) {
    MessageWriter w = response_to(inv, code, reason_phrase(code), "callee");
    w.header(HeaderId::contact, std::string_view("<sip:bob@192.0.2.2:5062>"));
    w.header(HeaderId::require, std::string_view("100rel"));
    w.header(HeaderId::rseq, std::to_string(rseq));
    const std::string bytes = w.finish();
    uac.core.on_message(parse(bytes), from_bob, now);
    return drain();
  };

  const std::vector<Sent> first = provisional(180, 5);
  REQUIRE(first.size() == 1);
  const Message prack = parse(first[0].bytes);
  CHECK(prack.method == "PRACK");
  CHECK(first[0].uri == "sip:bob@192.0.2.2:5062");  // to the dialog's remote target
  CHECK(prack.request_uri_text == "sip:bob@192.0.2.2:5062");
  CHECK(prack.to.tag() == "callee");
  CHECK(prack.cseq.number == 2);
  CHECK(header(prack, HeaderId::rack) == "5 1 INVITE");
  CHECK(prack.vias.front().host == "192.0.2.1");

  CHECK(provisional(180, 5).empty());  // retransmissions
  CHECK(provisional(180, 5).empty());
  CHECK(provisional(183, 7).empty());  // out of order
  const std::vector<Sent> second = provisional(183, 6);
  REQUIRE(second.size() == 1);
  const Message prack6 = parse(second[0].bytes);
  CHECK(header(prack6, HeaderId::rack) == "6 1 INVITE");
  CHECK(prack6.cseq.number == 3);
  CHECK(branch(prack6) != branch(prack));
  CHECK(uac.codes == std::vector<int>{180, 183});  // each passed on once

  // The 200 to a PRACK is the core's business, not the application's.
  const std::string ok = response_to(prack, 200, "OK").finish();
  uac.core.on_message(parse(ok), from_bob, now);
  CHECK(uac.codes == std::vector<int>{180, 183});
}

TEST_CASE("UPDATE is a target refresh request (RFC 3311 §5.1, §5.2)") {
  Call c(with_update(alice()), with_update(bob()));
  Dialog& d = c.establish();
  SUBCASE("the UAS takes the new Contact and answers with its own") {
    c.uac.core.send_request(
        d.make_request(in_dialog("UPDATE", "SIP/2.0/UDP 192.0.2.1:5060", c.uac.core.ids(), "<sip:alice@192.0.2.9:5070>")),
        false, 2, c.net.now);
    c.net.flush();
    CHECK(c.uas.methods == std::vector<std::string>{"INVITE", "UPDATE"});
    CHECK(c.uac.codes.back() == 200);
    const Message ok = parse(c.net.b_sent.back());
    CHECK(ok.cseq.method == "UPDATE");
    CHECK(contact_uri(ok) == "sip:bob@192.0.2.2:5062");
    Dialog& theirs = c.callee_dialog(d);
    CHECK(theirs.remote_target() == "sip:alice@192.0.2.9:5070");
    // The callee's next request goes to the new target.
    c.uas.core.send_bye(theirs.id(), "SIP/2.0/UDP 192.0.2.2:5062", false, 1, c.net.now);
    c.net.flush();
    const auto byes = requests(c.net.b_sent, "BYE");
    REQUIRE(byes.size() == 1);
    CHECK(parse(c.net.b_sent[byes[0]]).request_uri_text == "sip:alice@192.0.2.9:5070");
  }
  SUBCASE("the UAC takes the Contact of the 2xx") {
    c.uac.core.send_request(
        d.make_request(in_dialog("UPDATE", "SIP/2.0/UDP 192.0.2.1:5060", c.uac.core.ids(), "<sip:alice@192.0.2.1:5060>")),
        false, 2, c.net.now);
    const auto o = c.uac.core.poll_transmit();
    REQUIRE(o);
    const std::string update(o->bytes);
    MessageWriter w = response_to(parse(update), 200, "OK");
    w.header(HeaderId::contact, std::string_view("<sip:bob@192.0.2.7:5555>"));
    c.net.deliver(c.uac.core, w.finish(), from_bob);
    CHECK(c.uac.codes.back() == 200);
    CHECK(d.remote_target() == "sip:bob@192.0.2.7:5555");
  }
}

TEST_CASE("UPDATE, PRACK, 100rel and timer are offered only when switched on") {
  const auto options_reply = [](UaConfig callee) {
    Call c(alice(), std::move(callee));
    c.uac.core.send_request(request(c.uac.core.ids(), "OPTIONS"), false, 2, c.net.now);
    c.net.flush();
    return c.net.b_sent.back();
  };
  const std::string plain_bytes = options_reply(bob());
  const Message plain = parse(plain_bytes);
  CHECK(header(plain, HeaderId::allow).find("UPDATE") == std::string::npos);
  CHECK(header(plain, HeaderId::allow).find("PRACK") == std::string::npos);
  CHECK(plain.find(HeaderId::supported) == nullptr);
  const std::string all_bytes = options_reply(with_timer(with_update(with_100rel(bob()))));
  const Message all = parse(all_bytes);
  CHECK(header(all, HeaderId::allow).find("UPDATE") != std::string::npos);
  CHECK(header(all, HeaderId::allow).find("PRACK") != std::string::npos);
  CHECK(header(all, HeaderId::supported) == "100rel, timer");

  Call c(alice(), bob());
  Dialog& d = c.establish();
  c.uac.core.send_request(d.make_request(in_dialog("UPDATE", "SIP/2.0/UDP 192.0.2.1:5060", c.uac.core.ids())), false,
                          2, c.net.now);
  c.net.flush();
  CHECK(c.uac.codes.back() == 405);
}

TEST_CASE("offers in a dialog: crossing ones get 491, one while the peer's is unanswered gets 500 (RFC 3311 §5.2)") {
  Call c(with_update(alice()), with_update(bob()));
  c.uac.answer_everything();
  Dialog& ours = c.establish();
  Dialog& theirs = c.callee_dialog(ours);
  const auto update = [](Dialog& d, std::string via, IdGenerator& ids) {
    return d.make_request(with_offer(in_dialog("UPDATE", std::move(via), ids)));
  };
  SUBCASE("two UPDATEs cross: each side answers the other's with 491") {
    c.uac.core.send_request(update(ours, "SIP/2.0/UDP 192.0.2.1:5060", c.uac.core.ids()), false, 2, c.net.now);
    c.uas.core.send_request(update(theirs, "SIP/2.0/UDP 192.0.2.2:5062", c.uas.core.ids()), false, 1, c.net.now);
    c.net.flush();
    CHECK(responses(c.net.b_sent, 491, "UPDATE").size() == 1);
    CHECK(responses(c.net.a_sent, 491, "UPDATE").size() == 1);
    CHECK(c.uas.methods == std::vector<std::string>{"INVITE"});
    CHECK(c.uac.methods.empty());
    // A 491 settles the offer: the next one goes through.
    c.uac.core.send_request(update(ours, "SIP/2.0/UDP 192.0.2.1:5060", c.uac.core.ids()), false, 2, c.net.now);
    c.net.flush();
    CHECK(c.uas.methods == std::vector<std::string>{"INVITE", "UPDATE"});
    CHECK(c.uac.codes.back() == 200);
  }
  SUBCASE("an UPDATE with an offer while the callee has not answered a re-INVITE's: 500 with Retry-After") {
    c.uas.answer = {};  // the callee sits on the re-INVITE
    c.uac.core.send_request(
        ours.make_request(with_offer(in_dialog("INVITE", "SIP/2.0/UDP 192.0.2.1:5060", c.uac.core.ids(),
                                               "<sip:alice@192.0.2.1:5060>"))),
        false, 2, c.net.now);
    c.net.flush();
    REQUIRE(c.uas.methods == std::vector<std::string>{"INVITE", "INVITE"});
    c.uac.core.send_request(update(ours, "SIP/2.0/UDP 192.0.2.1:5060", c.uac.core.ids()), false, 2, c.net.now);
    c.net.flush();
    const Message rejected = parse(c.net.b_sent.back());
    CHECK(rejected.status_code == 500);
    CHECK(rejected.cseq.method == "UPDATE");
    std::uint32_t retry_after = 99;
    REQUIRE(decode_uint(header(rejected, HeaderId::retry_after), 0xffffffffu, retry_after));
    CHECK(retry_after <= 10);
    // And the caller, whose re-INVITE offer is pending, answers the callee's offer with 491.
    c.uas.core.send_request(update(theirs, "SIP/2.0/UDP 192.0.2.2:5062", c.uas.core.ids()), false, 1, c.net.now);
    c.net.flush();
    CHECK(responses(c.net.a_sent, 491, "UPDATE").size() == 1);
    CHECK(c.uas.methods.size() == 2);
    CHECK(c.uac.methods.empty());
  }
}

TEST_CASE("Session-Expires below our Min-SE gets 422 with Min-SE; the 2xx names interval and refresher (RFC 4028 §9)") {
  UaConfig callee = with_timer(bob());
  callee.session_timer.min_se = 120;
  Call c(with_timer(alice()), std::move(callee));
  SUBCASE("422, then the retry with the Min-SE learnt is accepted and the UAC refreshes") {
    const std::string first = invite(c.uac.core.ids(), "Supported: timer\r\nSession-Expires: 90\r\n");
    c.uac.core.send_request(first, false, 2, c.net.now);
    c.net.flush();
    CHECK(c.uac.codes == std::vector<int>{422});
    CHECK(c.uas.methods.empty());
    const Message too_small = parse(c.net.b_sent.back());
    CHECK(too_small.reason_phrase == "Session Interval Too Small");
    REQUIRE(min_se(too_small));
    CHECK(*min_se(too_small) == 120u);

    // RFC 4028 §7.3: the same request again (new branch, next CSeq) with
    // the interval raised to the Min-SE, which it now names too.
    std::string retry = first;
    const std::string old_branch = branch(parse(first));
    retry.replace(retry.find(old_branch), old_branch.size(), c.uac.core.ids().branch());
    retry.replace(retry.find("CSeq: 1 INVITE"), 14, "CSeq: 2 INVITE");
    retry.replace(retry.find("Session-Expires: 90"), 19, "Session-Expires: 120\r\nMin-SE: 120");
    c.uac.core.send_request(retry, false, 2, c.net.now);
    c.net.flush();
    CHECK(c.uac.codes.back() == 200);
    const auto oks = responses(c.net.b_sent, 200, "INVITE");
    REQUIRE(oks.size() == 1);
    const Message ok = parse(c.net.b_sent[oks[0]]);
    const auto se = session_expires(ok);
    REQUIRE(se);
    CHECK(se->seconds == 120);
    CHECK(se->refresher == Refresher::uac);
    CHECK(ok.has_option_tag(HeaderId::require, "timer"));
    CHECK(ok.has_option_tag(HeaderId::supported, "timer"));
    REQUIRE(c.uac.dialog != nullptr);
    const SessionTimer* caller_timer = c.uac.core.session_timer(c.uac.dialog->id());
    const SessionTimer* callee_timer = c.uas.core.session_timer(c.callee_dialog(*c.uac.dialog).id());
    REQUIRE(caller_timer != nullptr);
    REQUIRE(callee_timer != nullptr);
    CHECK(caller_timer->we_refresh());
    CHECK_FALSE(callee_timer->we_refresh());
    CHECK(caller_timer->interval() == 120);
  }
  SUBCASE("a caller without timer support: the callee names its own interval and refreshes itself") {
    c.establish();
    const Message ok = parse(c.net.b_sent.back());
    CHECK(header(ok, HeaderId::session_expires) == "1800;refresher=uas");
    CHECK_FALSE(ok.has_option_tag(HeaderId::require, "timer"));
    const SessionTimer* callee_timer = c.uas.core.session_timer(c.callee_dialog(*c.uac.dialog).id());
    REQUIRE(callee_timer != nullptr);
    CHECK(callee_timer->we_refresh());
  }
}

TEST_CASE("the refresher is asked to refresh at half the interval; unrefreshed, the other side sends BYE (RFC 4028 §10)") {
  Call c(with_timer(with_update(alice())), with_timer(with_update(bob())));
  bool refreshing = true;
  c.uac.refresh = [&c, &refreshing](Dialog& d, std::uint32_t interval) {
    if (!refreshing) return;
    Dialog::Request r = in_dialog("UPDATE", "SIP/2.0/UDP 192.0.2.1:5060", c.uac.core.ids(), "<sip:alice@192.0.2.1:5060>");
    r.extra_headers = "Session-Expires: " + to_string(SessionExpires{interval, Refresher::uac}) + "\r\n";
    c.uac.core.send_request(d.make_request(r), false, 2, c.net.now);
  };
  c.establish("Supported: timer\r\nSession-Expires: 120;refresher=uac\r\n");
  const TimePoint t0 = c.net.now;
  c.net.run_until(t0 + 59s);
  CHECK(c.uac.refreshes.empty());
  c.net.run_until(t0 + 61s);
  CHECK(c.uac.refreshes == std::vector<TimePoint>{t0 + 60s});
  CHECK(c.uas.methods == std::vector<std::string>{"INVITE", "UPDATE"});
  const Message refreshed = parse(c.net.b_sent.back());
  CHECK(refreshed.cseq.method == "UPDATE");
  CHECK(refreshed.status_code == 200);
  CHECK(header(refreshed, HeaderId::session_expires) == "120;refresher=uac");

  // The refresh restarted both timers: the next refresh is due at 120 s,
  // and this time the application lets it pass.
  refreshing = false;
  c.net.run_until(t0 + 119s);
  CHECK(c.uac.refreshes.size() == 1);
  c.net.run_until(t0 + 121s);
  CHECK(c.uac.refreshes == std::vector<TimePoint>{t0 + 60s, t0 + 120s});
  // 60 + 120 - min(32, 120/3) = 148 s: the callee ends the session.
  c.net.run_until(t0 + 147s);
  CHECK(requests(c.net.b_sent, "BYE").empty());
  CHECK(c.uas.ended.empty());
  c.net.run_until(t0 + 149s);
  const auto byes = requests(c.net.b_sent, "BYE");
  REQUIRE(byes.size() == 1);
  CHECK(parse(c.net.b_sent[byes[0]]).request_uri_text == "sip:alice@192.0.2.1:5060");
  CHECK(responses(c.net.a_sent, 200, "BYE").size() == 1);
  CHECK(c.uas.ended == std::vector<std::string>{"session expired"});
  CHECK(c.uac.ended == std::vector<std::string>{"BYE"});
  CHECK(c.uas.core.dialog_count() == 0);
  CHECK(c.uac.core.dialog_count() == 0);
  CHECK(c.uas.codes.empty());  // the 200 to the core's BYE is not passed on
}

TEST_CASE("SessionTimer: refresh at half the interval, expiry min(32 s, interval/3) before the end (RFC 4028 §10)") {
  const TimePoint t0{};
  SessionTimer refresher(1800, true, t0);
  CHECK(refresher.next_timeout() == t0 + 900s);
  CHECK(refresher.on_timeout(t0 + 899s) == SessionTimer::Event::none);
  CHECK(refresher.on_timeout(t0 + 900s) == SessionTimer::Event::refresh_due);
  CHECK_FALSE(refresher.next_timeout());

  SessionTimer waiting(1800, false, t0);
  CHECK(waiting.next_timeout() == t0 + 1768s);
  CHECK(waiting.on_timeout(t0 + 1767s) == SessionTimer::Event::none);
  CHECK(waiting.on_timeout(t0 + 1768s) == SessionTimer::Event::expired);
  CHECK(waiting.on_timeout(t0 + 1800s) == SessionTimer::Event::none);

  SessionTimer brief(90, false, t0);
  CHECK(brief.next_timeout() == t0 + 60s);  // a third of 90 s is less than 32 s
}

TEST_CASE("Session-Expires and Min-SE values, and the UAS's answer (RFC 4028 §4, §5, §9)") {
  IdGenerator ids(7);
  const std::string compact = request(ids, "INVITE", "sip:bob@192.0.2.2", "x: 1800;refresher=UAS\r\nMin-SE: 120;x=y\r\n");
  const Message m = parse(compact);
  const auto se = session_expires(m);
  REQUIRE(se);
  CHECK(se->seconds == 1800);
  CHECK(se->refresher == Refresher::uas);
  CHECK(min_se(m) == std::optional<std::uint32_t>(120));
  CHECK(to_string(SessionExpires{90, Refresher::uac}) == "90;refresher=uac");

  SessionTimerConfig ours;
  ours.min_se = 1000;
  CHECK_FALSE(session_interval_too_small(m, ours));
  ours.min_se = 2000;
  CHECK(session_interval_too_small(m, ours));
  const SessionExpires kept = answer_session_expires(m, ours);
  CHECK(kept.seconds == 1800);
  CHECK(kept.refresher == Refresher::uas);

  const std::string no_interval = request(ids, "INVITE", "sip:bob@192.0.2.2", "Supported: timer\r\nMin-SE: 2400\r\n");
  const Message none = parse(no_interval);
  CHECK_FALSE(session_interval_too_small(none, ours));
  const SessionExpires chosen = answer_session_expires(none, ours);
  CHECK(chosen.seconds == 2400);  // ours (1800) raised to the request's Min-SE
  CHECK(chosen.refresher == Refresher::uac);
}
