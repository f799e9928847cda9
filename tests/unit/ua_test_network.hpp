// Shared by the UA core unit tests: two cores joined by an in-memory
// network on a virtual clock, and the requests a test sends.
//
// Flow: a test hands a request to one core, then flush() carries every
// message either core sends to the other, parsed as the shell would, until
// both are quiet; run_until() jumps the clock from one core deadline to the
// next, flushing after each.
#pragma once

#include <doctest/doctest.h>

#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "sip/syntax/writer.hpp"
#include "sip/ua/user_agent_core.hpp"

namespace cosip::sip::test {

inline const std::string sdp = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
                               "m=audio 4000 RTP/AVP 0\r\n";

inline UaConfig config(std::string contact, std::string sent_by) {
  UaConfig c;
  c.contact = std::move(contact);
  c.via_sent_by = std::move(sent_by);
  return c;
}

// Carries every message one core sends to the other, parsed as the shell
// would, from a fixed address per side.
struct Network {
  UserAgentCore* a = nullptr;
  UserAgentCore* b = nullptr;
  TimePoint now{};
  std::vector<std::string> a_sent, b_sent;
  bool drop_from_a = false;  // lose everything a sends
  double loss = 0;           // lose each message, either way, with this probability
  std::mt19937 loss_rng{20}; // seeded: a lossy run is the same every time

  bool lost() { return loss > 0 && std::uniform_real_distribution<double>(0, 1)(loss_rng) < loss; }

  void flush() {
    for (bool progress = true; progress;) {
      progress = false;
      while (auto o = a->poll_transmit()) {
        progress = true;
        a_sent.emplace_back(o->bytes);
        if (!drop_from_a && !lost()) deliver(*b, a_sent.back(), Source{"192.0.2.1", 5060, false, 1});
      }
      while (auto o = b->poll_transmit()) {
        progress = true;
        b_sent.emplace_back(o->bytes);
        if (!lost()) deliver(*a, b_sent.back(), Source{"192.0.2.2", 5062, false, 2});
      }
    }
  }
  void deliver(UserAgentCore& to, const std::string& bytes, const Source& from) {
    Message m;
    REQUIRE_FALSE(parse_message(bytes, m));
    to.on_message(m, from, now);
  }
  void run_until(TimePoint until) {
    flush();
    for (;;) {
      auto na = a->next_timeout(), nb = b->next_timeout();
      std::optional<TimePoint> next = earliest({na, nb});
      if (!next || *next > until) break;
      now = *next;
      a->on_timeout(now);
      b->on_timeout(now);
      flush();
    }
    now = until;
  }
};

inline std::string invite(IdGenerator& ids, std::string_view extra = {}, std::string_view body = sdp,
                          std::string_view type = "application/sdp") {
  MessageWriter w;
  w.request_line("INVITE", "sip:bob@192.0.2.2:5062");
  w.header("Via", "SIP/2.0/UDP 192.0.2.1:5060;rport;branch=" + ids.branch());
  w.header("Max-Forwards", "70");
  w.header("From", "<sip:alice@example.com>;tag=" + ids.tag());
  w.header("To", "<sip:bob@example.com>");
  w.header("Call-ID", ids.call_id("192.0.2.1"));
  w.header("CSeq", "1 INVITE");
  w.header("Contact", "<sip:alice@192.0.2.1:5060>");
  w.header_lines(extra);
  return w.finish(body, body.empty() ? std::string_view{} : type);
}

inline std::string request(IdGenerator& ids, std::string_view method,
                           std::string_view uri = "sip:bob@192.0.2.2:5062", std::string_view extra = {}) {
  MessageWriter w;
  w.request_line(method, uri);
  w.header("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=" + ids.branch());
  w.header("Max-Forwards", "70");
  w.header("From", "<sip:alice@example.com>;tag=" + ids.tag());
  w.header("To", "<sip:bob@example.com>");
  w.header("Call-ID", ids.call_id("192.0.2.1"));
  w.header("CSeq", "1 " + std::string(method));
  w.header_lines(extra);
  return w.finish();
}

inline Message parse(const std::string& bytes) {
  Message m;
  REQUIRE_FALSE(parse_message(bytes, m));
  return m;
}

}  // namespace cosip::sip::test
