// UA core (RFC 3261 §8, §9, §12-§15): two cores joined by an in-memory
// network on a virtual clock, and the UAS checks one by one.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "sip/syntax/writer.hpp"
#include "sip/ua/user_agent_core.hpp"
#include "ua_test_network.hpp"

using namespace cosip::sip;
using namespace cosip::sip::test;
using namespace std::chrono_literals;

namespace {

struct Pair {
  std::vector<int> codes;  // final and provisional codes the UAC saw
  std::vector<Dialog*> uac_dialogs;
  std::vector<TransactionId> uas_requests;
  std::vector<std::string> uas_methods;
  std::vector<std::string> ended;
  int acks = 0;
  int cancels = 0;
  bool auto_answer = true;

  UserAgentCore uac{config("sip:alice@192.0.2.1:5060", "192.0.2.1:5060"),
                    {.on_request = {},
                     .on_ack = {},
                     .on_cancel = {},
                     .on_dialog_end = {},
                     .on_response =
                         [this](TransactionId, const Message& r, Dialog* d) {
                           codes.push_back(r.status_code);
                           if (d != nullptr && r.status_code >= 200) uac_dialogs.push_back(d);
                         },
                     .on_request_failed = {},
                     .on_session_refresh = {}}};
  UserAgentCore uas{config("sip:bob@192.0.2.2:5062", "192.0.2.2:5062"),
                    {.on_request =
                         [this](const UserAgentCore::IncomingRequest& r) {
                           uas_requests.push_back(r.id);
                           uas_methods.emplace_back(r.request.method);
                           if (!auto_answer) return;
                           if (r.request.method == "INVITE") {
                             uas.respond(r.id, net.now, 180);
                             uas.respond(r.id, net.now, 200, {}, {}, r.request.body, "application/sdp");
                           } else {
                             uas.respond(r.id, net.now, 200);
                           }
                         },
                     .on_ack = [this](Dialog&, const Message&) { ++acks; },
                     .on_cancel = [this](TransactionId) { ++cancels; },
                     .on_dialog_end = [this](const Dialog&, std::string_view why) { ended.emplace_back(why); },
                     .on_response = {},
                     .on_request_failed = {},
                     .on_session_refresh = {}}};
  Network net{&uac, &uas, {}, {}, {}, false};

  int last_code() const { return codes.empty() ? 0 : codes.back(); }
};

}  // namespace

TEST_CASE("a call: INVITE, 180, 200 with the offer mirrored, ACK by the core, BYE ends both dialogs") {
  Pair p;
  p.uac.send_request(invite(p.uac.ids()), false, 2, p.net.now);
  p.net.flush();
  CHECK(p.codes == std::vector<int>{180, 200});
  REQUIRE(p.uac_dialogs.size() == 1);
  CHECK(p.acks == 1);
  CHECK(p.uas.dialog_count() == 1);
  CHECK(p.uac.dialog_count() == 1);
  // The 200 carried the SDP, a Contact and the To tag, and the ACK went to the Contact.
  const Message ok = parse(p.net.b_sent.back());
  CHECK(ok.status_code == 200);
  CHECK(ok.body == sdp);
  CHECK_FALSE(ok.to.tag().empty());
  CHECK(contact_uri(ok) == "sip:bob@192.0.2.2:5062");
  const Message ack = parse(p.net.a_sent.back());
  CHECK(ack.method == "ACK");
  CHECK(ack.request_uri_text == "sip:bob@192.0.2.2:5062");
  CHECK(ack.cseq.number == 1);

  const Dialog& d = *p.uac_dialogs.front();
  p.uac.send_bye(d.id(), "SIP/2.0/UDP 192.0.2.1:5060", false, 2, p.net.now);
  p.net.flush();
  CHECK(p.last_code() == 200);
  CHECK(p.ended == std::vector<std::string>{"BYE"});
  CHECK(p.uas.dialog_count() == 0);
  CHECK(p.uac.dialog_count() == 0);
  const auto sent_bye = std::find_if(p.net.a_sent.begin(), p.net.a_sent.end(),
                                     [](const std::string& s) { return s.starts_with("BYE "); });
  REQUIRE(sent_bye != p.net.a_sent.end());
  const Message bye = parse(*sent_bye);
  CHECK(bye.cseq.number == 2);  // the next local CSeq
}

TEST_CASE("Record-Route: copied into the responses that make the dialog; the UAC routes through it (§12.1)") {
  // Two proxies recorded the route, as a real one (Kamailio) does.
  Pair p;
  p.uac.send_request(invite(p.uac.ids(),
                            "Record-Route: <sip:p2.example.com;lr>\r\n"
                            "Record-Route: <sip:192.0.2.9:5070;lr=on;ftag=x>\r\n"),
                     false, 2, p.net.now);
  p.net.flush();
  REQUIRE(p.codes == std::vector<int>{180, 200});
  for (const std::string& sent : p.net.b_sent) {
    const Message r = parse(sent);
    std::vector<std::string_view> rr;
    for (const Header& h : r.headers)
      if (h.id == HeaderId::record_route) rr.push_back(h.value);
    CHECK(rr == std::vector<std::string_view>{"<sip:p2.example.com;lr>", "<sip:192.0.2.9:5070;lr=on;ftag=x>"});
  }
  // The UAC's route set is the reverse; its ACK and BYE go to the first entry.
  REQUIRE(p.uac_dialogs.size() == 1);
  const Dialog& d = *p.uac_dialogs.front();
  CHECK(d.next_hop() == "sip:192.0.2.9:5070;lr=on;ftag=x");
  p.uac.send_bye(d.id(), "SIP/2.0/UDP 192.0.2.1:5060", false, 2, p.net.now);
  p.net.flush();
  const Message bye = parse(p.net.a_sent.back());
  REQUIRE(bye.method == "BYE");
  std::vector<std::string_view> routes;
  for (const Header& h : bye.headers)
    if (h.id == HeaderId::route) routes.push_back(h.value);
  CHECK(routes == std::vector<std::string_view>{"<sip:192.0.2.9:5070;lr=on;ftag=x>", "<sip:p2.example.com;lr>"});
  CHECK(bye.request_uri_text == "sip:bob@192.0.2.2:5062");
}

TEST_CASE("responses carry received and rport for the request's source (RFC 3261 §18.2.1, RFC 3581)") {
  Pair p;
  p.uac.send_request(invite(p.uac.ids()), false, 2, p.net.now);
  p.net.flush();
  const Message ringing = parse(p.net.b_sent.front());
  REQUIRE(ringing.vias.size() == 1);
  const Param* rport = ringing.vias[0].rport();
  REQUIRE(rport != nullptr);
  CHECK(rport->value == "5060");
  CHECK(ringing.vias[0].received() == nullptr);  // sent-by already names the source address
}

TEST_CASE("the UAS retransmits its 2xx until the ACK, then gives up after 64*T1 (§13.3.1.4)") {
  Pair p;
  p.net.drop_from_a = false;
  p.uac.send_request(invite(p.uac.ids()), false, 2, p.net.now);
  // Deliver the INVITE, then lose every ACK.
  p.net.flush();
  CHECK(p.acks == 1);  // the first ACK arrived: nothing more to retransmit
  const std::size_t sent_before = p.net.b_sent.size();
  p.net.run_until(p.net.now + 40s);
  CHECK(p.net.b_sent.size() == sent_before);  // no 2xx retransmissions after the ACK

  Pair q;
  q.uac.send_request(invite(q.uac.ids()), false, 2, q.net.now);
  q.net.drop_from_a = true;  // from here on, the UAC's messages are lost
  // Hand the INVITE over by hand, then let the UAS answer into the void.
  q.net.flush();
  REQUIRE(q.net.a_sent.size() == 1);
  q.net.deliver(q.uas, q.net.a_sent.front(), Source{"192.0.2.1", 5060, false, 1});
  q.net.flush();
  const auto count_200 = [&q] {
    int n = 0;
    for (const std::string& s : q.net.b_sent) n += s.starts_with("SIP/2.0 200");
    return n;
  };
  CHECK(count_200() == 1);
  q.net.run_until(q.net.now + 31900ms);
  // T1, 2T1, 4T1, then T2 = 4 s: 0.5 1.5 3.5 7.5 11.5 ... 31.5
  CHECK(count_200() == 1 + 4 + 6);
  CHECK(q.ended.empty());
  q.net.run_until(q.net.now + 2s);
  CHECK(q.ended == std::vector<std::string>{"no ACK"});
}

TEST_CASE("a 2xx retransmitted after our BYE (our ACK lost) is ACKed again, not taken as a new call (§13.2.2.4)") {
  Pair p;
  p.uac.send_request(invite(p.uac.ids()), false, 2, p.net.now);
  p.net.drop_from_a = true;  // the ACK and the first BYE are lost
  p.net.flush();
  REQUIRE(p.net.a_sent.size() == 1);
  p.net.deliver(p.uas, p.net.a_sent.front(), Source{"192.0.2.1", 5060, false, 1});
  p.net.flush();
  REQUIRE(p.uac_dialogs.size() == 1);
  p.uac.send_bye(p.uac_dialogs.front()->id(), "SIP/2.0/UDP 192.0.2.1:5060", false, 2, p.net.now);
  p.net.flush();
  CHECK(p.uac.dialog_count() == 0);
  // The UAS, still without its ACK, retransmits the 2xx after T1.
  p.net.run_until(p.net.now + 600ms);
  const auto acks = [&p] {
    std::vector<std::string> a;
    for (const std::string& s : p.net.a_sent)
      if (s.starts_with("ACK ")) a.push_back(s);
    return a;
  };
  REQUIRE(acks().size() == 2);
  CHECK(acks()[1] == acks()[0]);  // the same ACK again
  CHECK(p.codes == std::vector<int>{180, 200});  // the application heard of the 2xx once
  CHECK(p.uac_dialogs.size() == 1);
  CHECK(p.uac.dialog_count() == 0);  // no dialog made again for it
  // Once the network works, the BYE's retransmission ends the call at the UAS.
  p.net.drop_from_a = false;
  p.net.run_until(p.net.now + 2s);
  CHECK(p.last_code() == 200);
  CHECK(p.ended == std::vector<std::string>{"BYE"});
  CHECK(p.uas.dialog_count() == 0);
}

TEST_CASE("a retransmitted re-INVITE gets the 2xx again while its ACK is awaited (§13.3.1.4)") {
  Pair p;
  p.uac.send_request(invite(p.uac.ids()), false, 2, p.net.now);
  p.net.flush();
  REQUIRE(p.uac_dialogs.size() == 1);
  // A re-INVITE built by hand: its 2xx matches no client transaction of the
  // UAC, so nothing ACKs it.
  Dialog::Request r;
  r.method = "INVITE";
  r.via = "SIP/2.0/UDP 192.0.2.1:5060;branch=" + p.uac.ids().branch();
  r.contact = "<sip:alice@192.0.2.1:5060>";
  const std::string reinvite = p.uac_dialogs.front()->make_request(r);
  const auto count_200 = [&p] {
    return std::count_if(p.net.b_sent.begin(), p.net.b_sent.end(), [](const std::string& s) {
      return s.starts_with("SIP/2.0 200") && s.find("CSeq: 2 INVITE") != std::string::npos;
    });
  };
  p.net.deliver(p.uas, reinvite, Source{"192.0.2.1", 5060, false, 1});
  p.net.flush();
  CHECK(count_200() == 1);
  p.net.deliver(p.uas, reinvite, Source{"192.0.2.1", 5060, false, 1});
  p.net.flush();
  CHECK(count_200() == 2);
  CHECK(std::count(p.uas_methods.begin(), p.uas_methods.end(), "INVITE") == 2);  // the retransmission never reached it
}

TEST_CASE("CANCEL of an unanswered INVITE: 200 to the CANCEL, 487 to the INVITE, the UAC ACKs the 487 (§9.2)") {
  Pair p;
  p.auto_answer = false;
  const std::string inv = invite(p.uac.ids());
  p.uac.send_request(inv, false, 2, p.net.now);
  p.net.flush();
  REQUIRE(p.uas_requests.size() == 1);
  // §9.1: the CANCEL copies Request-URI, Call-ID, From, To, the top Via and the CSeq number.
  const Message m = parse(inv);
  MessageWriter w;
  w.request_line("CANCEL", m.request_uri_text);
  w.header(*m.find(HeaderId::via));
  w.header("Max-Forwards", "70");
  w.header(*m.find(HeaderId::from));
  w.header(*m.find(HeaderId::to));
  w.header(*m.find(HeaderId::call_id));
  w.header("CSeq", "1 CANCEL");
  p.uac.send_request(w.finish(), false, 2, p.net.now);
  p.net.flush();
  CHECK(p.cancels == 1);
  CHECK(std::find(p.codes.begin(), p.codes.end(), 487) != p.codes.end());
  CHECK(std::find(p.codes.begin(), p.codes.end(), 200) != p.codes.end());
  CHECK(parse(p.net.a_sent.back()).method == "ACK");
  CHECK(p.uas.dialog_count() == 0);
  // The application's late answer goes nowhere.
  CHECK_FALSE(p.uas.respond(p.uas_requests.front(), p.net.now, 200));
}

TEST_CASE("CANCEL for no transaction gets 481") {
  Pair p;
  p.uac.send_request(request(p.uac.ids(), "CANCEL"), false, 2, p.net.now);
  p.net.flush();
  CHECK(p.last_code() == 481);
}

TEST_CASE("UAS checks of RFC 3261 §8.2 and §12.2.2") {
  Pair p;
  auto code_for = [&p](std::string bytes) {
    p.codes.clear();
    p.uac.send_request(std::move(bytes), false, 2, p.net.now);
    p.net.flush();
    return p.last_code();
  };
  IdGenerator& ids = p.uac.ids();
  SUBCASE("a BYE for no dialog: 481") {
    std::string bye = request(ids, "BYE");
    bye.replace(bye.find("To: <sip:bob@example.com>"), 25, "To: <sip:bob@example.com>;tag=nosuch");
    CHECK(code_for(bye) == 481);
  }
  SUBCASE("a NOTIFY for no INVITE dialog: 481 when the UA does not take NOTIFY") {
    std::string notify = request(ids, "NOTIFY");
    notify.replace(notify.find("To: <sip:bob@example.com>"), 25, "To: <sip:bob@example.com>;tag=nosuch");
    CHECK(code_for(notify) == 481);
    CHECK(p.uas_methods.empty());
  }
  SUBCASE("a known method this UA does not handle: 405 with Allow") {
    CHECK(code_for(request(ids, "PUBLISH")) == 405);
    const Message r = parse(p.net.b_sent.back());
    REQUIRE(r.find(HeaderId::allow) != nullptr);
    CHECK(r.find(HeaderId::allow)->value.find("INVITE") != std::string_view::npos);
  }
  SUBCASE("an unknown method: 501") { CHECK(code_for(request(ids, "FOOBAR")) == 501); }
  SUBCASE("an unknown Request-URI scheme: 416") { CHECK(code_for(request(ids, "MESSAGE", "urn:foo:bar")) == 416); }
  SUBCASE("a Require we do not support: 420 with Unsupported") {
    CHECK(code_for(request(ids, "MESSAGE", "sip:bob@192.0.2.2", "Require: foo, bar\r\n")) == 420);
    const Message r = parse(p.net.b_sent.back());
    REQUIRE(r.find(HeaderId::unsupported) != nullptr);
    CHECK(r.find(HeaderId::unsupported)->value == "foo, bar");
  }
  SUBCASE("an INVITE with a body we cannot read: 415 with Accept") {
    CHECK(code_for(invite(ids, {}, "hello", "text/plain")) == 415);
    CHECK(parse(p.net.b_sent.back()).find(HeaderId::accept) != nullptr);
  }
  SUBCASE("OPTIONS: 200 with Allow and Accept, answered by the core") {
    CHECK(code_for(request(ids, "OPTIONS")) == 200);
    const Message r = parse(p.net.b_sent.back());
    CHECK(r.find(HeaderId::allow) != nullptr);
    CHECK(r.find(HeaderId::accept) != nullptr);
    CHECK(p.uas_methods.empty());
  }
  SUBCASE("MESSAGE goes to the application") {
    CHECK(code_for(request(ids, "MESSAGE")) == 200);
    CHECK(p.uas_methods == std::vector<std::string>{"MESSAGE"});
  }
}

TEST_CASE("a NOTIFY with a To tag but no INVITE dialog goes to the application (RFC 6665 §4.1.2.4)") {
  Pair p;
  UaConfig c = config("sip:bob@192.0.2.2:5062", "192.0.2.2:5062");
  c.allow.push_back("NOTIFY");
  std::vector<Dialog*> dialogs;
  UserAgentCore uas{c,
                    {.on_request =
                         [&](const UserAgentCore::IncomingRequest& r) {
                           dialogs.push_back(r.dialog);
                           uas.respond(r.id, p.net.now, 200);
                         },
                     .on_ack = {},
                     .on_cancel = {},
                     .on_dialog_end = {},
                     .on_response = {},
                     .on_request_failed = {},
                     .on_session_refresh = {}}};
  p.net.b = &uas;
  std::string notify = request(p.uac.ids(), "NOTIFY", "sip:bob@192.0.2.2:5062", "Event: presence\r\nSubscription-State: active\r\n");
  notify.replace(notify.find("To: <sip:bob@example.com>"), 25, "To: <sip:bob@example.com>;tag=sub1");
  p.uac.send_request(notify, false, 2, p.net.now);
  p.net.flush();
  CHECK(p.last_code() == 200);
  REQUIRE(dialogs.size() == 1);
  CHECK(dialogs[0] == nullptr);
}

TEST_CASE("a request merged from two paths gets 482 (§8.2.2.2)") {
  Pair p;
  p.auto_answer = false;
  const std::string first = invite(p.uac.ids());
  std::string second = first;
  const std::size_t b = second.find("branch=") + 7;
  second.replace(b, 7, "z9hG4bX");  // same request, another branch
  p.uac.send_request(first, false, 2, p.net.now);
  p.net.flush();
  p.net.deliver(p.uas, second, Source{"192.0.2.1", 5060, false, 1});
  p.net.flush();
  bool saw_482 = false;
  for (const std::string& s : p.net.b_sent) saw_482 |= s.starts_with("SIP/2.0 482");
  CHECK(saw_482);
  CHECK(p.uas_requests.size() == 1);
}

TEST_CASE("an in-dialog request with a lower CSeq gets 500 (§12.2.2)") {
  Pair p;
  p.uac.send_request(invite(p.uac.ids()), false, 2, p.net.now);
  p.net.flush();
  REQUIRE(p.uac_dialogs.size() == 1);
  const Dialog& d = *p.uac_dialogs.front();
  const Message ok = parse(p.net.b_sent.back());
  MessageWriter w;
  w.request_line("MESSAGE", "sip:bob@192.0.2.2:5062");
  w.header("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=" + p.uac.ids().branch());
  w.header("From", "<sip:alice@example.com>;tag=" + d.id().local_tag);
  w.header("To", "<sip:bob@example.com>;tag=" + d.id().remote_tag);
  w.header("Call-ID", d.id().call_id);
  w.header("CSeq", "0 MESSAGE");
  p.codes.clear();
  p.uac.send_request(w.finish(), false, 2, p.net.now);
  p.net.flush();
  CHECK(p.last_code() == 500);
  (void)ok;
}

TEST_CASE("glare: crossing re-INVITEs both get 491; the retry waits as §14.1 says for each side") {
  Pair p;
  p.uac.send_request(invite(p.uac.ids()), false, 2, p.net.now);
  p.net.flush();
  REQUIRE(p.uac_dialogs.size() == 1);
  Dialog& a = *p.uac_dialogs.front();
  Dialog* b = p.uas.find_dialog(DialogId{a.id().call_id, a.id().remote_tag, a.id().local_tag});
  REQUIRE(b != nullptr);
  auto reinvite = [](Dialog& d, std::string via) {
    Dialog::Request r;
    r.method = "INVITE";
    r.via = std::move(via);
    r.contact = "<sip:x@192.0.2.9>";
    r.body = sdp;
    r.content_type = "application/sdp";
    return d.make_request(r);
  };
  p.codes.clear();
  const std::size_t a_mark = p.net.a_sent.size(), b_mark = p.net.b_sent.size();
  p.uac.send_request(reinvite(a, "SIP/2.0/UDP 192.0.2.1:5060;branch=" + p.uac.ids().branch()), false, 2, p.net.now);
  p.uas.send_request(reinvite(*b, "SIP/2.0/UDP 192.0.2.2:5062;branch=" + p.uas.ids().branch()), false, 1, p.net.now);
  p.net.flush();
  auto sent_491 = [](const std::vector<std::string>& sent, std::size_t from) {
    return std::count_if(sent.begin() + static_cast<std::ptrdiff_t>(from), sent.end(),
                         [](const std::string& s) { return s.starts_with("SIP/2.0 491 "); });
  };
  CHECK(sent_491(p.net.a_sent, a_mark) == 1);
  CHECK(sent_491(p.net.b_sent, b_mark) == 1);
  CHECK(p.codes == std::vector<int>{491});
  CHECK(p.uas_methods == std::vector<std::string>{"INVITE"});  // only the first INVITE reached the application

  // The caller owns the Call-ID: 2.1 to 4 s; the callee: 0 to 2 s; 10 ms steps.
  CHECK(a.owns_call_id());
  CHECK_FALSE(b->owns_call_id());
  IdGenerator ids(3);
  for (int i = 0; i < 200; ++i) {
    const auto owner = std::chrono::duration_cast<std::chrono::milliseconds>(glare_retry_delay(a, ids)).count();
    const auto other = std::chrono::duration_cast<std::chrono::milliseconds>(glare_retry_delay(*b, ids)).count();
    CHECK(owner >= 2100);
    CHECK(owner <= 4000);
    CHECK(other >= 0);
    CHECK(other <= 2000);
    CHECK(owner % 10 == 0);
    CHECK(other % 10 == 0);
  }
}

TEST_CASE("100 calls through 20 % loss each way complete by retransmission (§17, §13.3.1.4, RFC 6026)") {
  Pair p;
  p.net.loss = 0.2;
  for (int i = 0; i < 100; ++i) p.uac.send_request(invite(p.uac.ids()), false, 2, p.net.now);
  p.net.run_until(p.net.now + 40s);
  // Every call answered and ACKed; each 2xx reached the application once,
  // however often it was retransmitted.
  CHECK(p.uac_dialogs.size() == 100);
  CHECK(p.uac.dialog_count() == 100);
  CHECK(p.uas.dialog_count() == 100);
  CHECK(p.acks == 100);
  CHECK(p.ended.empty());
  std::vector<DialogId> ids;
  for (const Dialog* d : p.uac_dialogs) ids.push_back(d->id());
  for (const DialogId& id : ids) p.uac.send_bye(id, "SIP/2.0/UDP 192.0.2.1:5060", false, 2, p.net.now);
  p.net.run_until(p.net.now + 40s);
  CHECK(p.ended.size() == 100);
  CHECK(p.uas.dialog_count() == 0);
  // The loss was real: retransmissions happened.
  const auto invites = std::count_if(p.net.a_sent.begin(), p.net.a_sent.end(),
                                     [](const std::string& s) { return s.starts_with("INVITE "); });
  CHECK(invites > 110);
}
