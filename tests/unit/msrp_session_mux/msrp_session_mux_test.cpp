// SessionMux: two sessions share one connection. Each message's bytes go
// to the session its To-Path names, at every split point of the stream;
// real MsrpSessions fed by the mux deliver and answer as over a connection
// of their own; a request for an unknown session gets 481 (REPORTs and
// Failure-Report: no get nothing), and responses for one are dropped.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "msrp/session.hpp"
#include "msrp/session_mux.hpp"

using namespace cosip::msrp;
using Kind = SessionEvent::Kind;

namespace {

const TimePoint t0{};

std::function<std::uint64_t()> counter(std::uint64_t start) {
  return [n = start]() mutable { return n += 0x9e3779b97f4a7c15ULL; };
}

// Our sessions a and b; the peer's x (talks to a) and y (talks to b), all
// on one connection.
const std::string a_uri = "msrp://127.0.0.1:2855/aaaa;tcp";
const std::string b_uri = "msrp://127.0.0.1:2855/bbbb;tcp";
const std::string x_uri = "msrp://127.0.0.1:7000/xxxx;tcp";
const std::string y_uri = "msrp://127.0.0.1:7000/yyyy;tcp";

SessionConfig config(const std::string& local, const std::string& remote) {
  SessionConfig c;
  c.local_uri = local;
  c.remote_path = {remote};
  c.chunk_size = 100;
  return c;
}

using Routed = std::map<std::string, std::string>;  // session-id -> its bytes

// Feeds `stream` in two pieces split at `at`.
bool feed_split(SessionMux& mux, const std::string& stream, std::size_t at, Routed& routed) {
  const auto sink = [&](std::string_view id, std::string_view bytes) { routed[std::string(id)].append(bytes); };
  return mux.on_bytes(std::string_view(stream).substr(0, at), sink) &&
         mux.on_bytes(std::string_view(stream).substr(at), sink);
}

}  // namespace

TEST_CASE("session mux: each message goes to the session its To-Path names, at every split point") {
  MsrpSession x(config(x_uri, a_uri), counter(1));
  MsrpSession y(config(y_uri, b_uri), counter(2));
  // Interleaved on the wire: x's and y's messages (several chunks each).
  const std::string x1 = x.send_message({"text/plain", std::string(250, 'x'), ReportRequest::no, ReportRequest::yes}, t0);
  const std::string y1 = y.send_message({"text/plain", "hello b", ReportRequest::no, ReportRequest::yes}, t0);
  const std::string x_out = x.take_output();
  const std::string y_out = y.take_output();
  const std::string x2 = x.send_message({"text/plain", "and a", ReportRequest::no, ReportRequest::yes}, t0);
  const std::string x_out2 = x.take_output();
  const std::string stream = x_out + y_out + x_out2;

  for (std::size_t at = 0; at <= stream.size(); ++at) {
    SessionMux mux;
    REQUIRE(mux.add_session("aaaa"));
    REQUIRE(mux.add_session("bbbb"));
    Routed routed;
    REQUIRE(feed_split(mux, stream, at, routed));
    CHECK(routed.size() == 2);
    CHECK(routed["aaaa"] == x_out + x_out2);
    CHECK(routed["bbbb"] == y_out);
    CHECK(mux.take_output().empty());
    CHECK(mux.dropped() == 0);
  }

  // The sessions behind the mux deliver, and their responses reach x and y.
  SessionMux mux;
  mux.add_session("aaaa");
  mux.add_session("bbbb");
  MsrpSession a(config(a_uri, x_uri), counter(3));
  MsrpSession b(config(b_uri, y_uri), counter(4));
  std::map<std::string, MsrpSession*> sessions{{"aaaa", &a}, {"bbbb", &b}};
  REQUIRE(mux.on_bytes(stream, [&](std::string_view id, std::string_view bytes) {
    REQUIRE(sessions.at(std::string(id))->on_bytes(bytes, t0));
  }));
  const std::vector<SessionEvent> a_events = a.take_events();
  const std::vector<SessionEvent> b_events = b.take_events();
  REQUIRE(a_events.size() == 2);
  CHECK(a_events[0].body == std::string(250, 'x'));
  CHECK(a_events[1].body == "and a");
  REQUIRE(b_events.size() == 1);
  CHECK(b_events[0].body == "hello b");
  // Our side's answers, on the same connection, go back through a peer
  // mux the same way.
  SessionMux peer;
  peer.add_session("xxxx");
  peer.add_session("yyyy");
  std::map<std::string, MsrpSession*> peers{{"xxxx", &x}, {"yyyy", &y}};
  REQUIRE(peer.on_bytes(a.take_output() + b.take_output(), [&](std::string_view id, std::string_view bytes) {
    REQUIRE(peers.at(std::string(id))->on_bytes(bytes, t0));
  }));
  std::vector<std::string> x_delivered, y_delivered;
  for (const SessionEvent& e : x.take_events())
    if (e.kind == Kind::delivered) x_delivered.push_back(e.message_id);
  for (const SessionEvent& e : y.take_events())
    if (e.kind == Kind::delivered) y_delivered.push_back(e.message_id);
  CHECK(x_delivered == std::vector<std::string>{x1, x2});
  CHECK(y_delivered == std::vector<std::string>{y1});
}

TEST_CASE("session mux: a request for a session that is not here gets 481 and goes nowhere") {
  SessionMux mux;
  REQUIRE(mux.add_session("aaaa"));
  Routed routed;
  const auto sink = [&](std::string_view id, std::string_view bytes) { routed[std::string(id)].append(bytes); };

  SUBCASE("a SEND: 481 to its sender, with its transaction id") {
    MsrpSession y(config(y_uri, b_uri), counter(5));
    y.send_message({"text/plain", "anyone?", ReportRequest::no, ReportRequest::yes}, t0);
    REQUIRE(mux.on_bytes(y.take_output(), sink));
    CHECK(routed.empty());
    CHECK(mux.dropped() == 1);
    const std::string response = mux.take_output();
    Message parsed;
    REQUIRE(!parse_message(response, parsed));
    CHECK(!parsed.head->is_request);
    CHECK(parsed.head->status_code == 481);
    // y takes it as the answer to its SEND: not delivered, 481.
    REQUIRE(y.on_bytes(response, t0));
    const std::vector<SessionEvent> events = y.take_events();
    REQUIRE(events.size() == 1);
    CHECK(events[0].kind == Kind::not_delivered);
    CHECK(events[0].code == 481);
  }
  SUBCASE("Failure-Report: no asks for no answer") {
    MsrpSession y(config(y_uri, b_uri), counter(6));
    y.send_message({"text/plain", "anyone?", ReportRequest::no, ReportRequest::no}, t0);
    REQUIRE(mux.on_bytes(y.take_output(), sink));
    CHECK(routed.empty());
    CHECK(mux.take_output().empty());
  }
  SUBCASE("a REPORT is never answered") {
    const std::string report =
        "MSRP rep1 REPORT\r\nTo-Path: " + b_uri + "\r\nFrom-Path: " + y_uri +
        "\r\nMessage-ID: msg1\r\nByte-Range: 1-3/3\r\nStatus: 000 200 OK\r\n-------rep1$\r\n";
    INFO(mux.error().message());
    REQUIRE(mux.on_bytes(report, sink));
    CHECK(routed.empty());
    CHECK(mux.take_output().empty());
    CHECK(mux.dropped() == 1);
  }
  SUBCASE("a response for another session is dropped") {
    const std::string response = "MSRP tra1 200 OK\r\nTo-Path: " + b_uri + "\r\nFrom-Path: " + y_uri + "\r\n-------tra1$\r\n";
    REQUIRE(mux.on_bytes(response, sink));
    CHECK(routed.empty());
    CHECK(mux.take_output().empty());
  }
  // Whatever came before, the next message for a still gets through.
  const std::string next = "MSRP tra9 200 OK\r\nTo-Path: " + a_uri + "\r\nFrom-Path: " + x_uri + "\r\n-------tra9$\r\n";
  REQUIRE(mux.on_bytes(next, sink));
  CHECK(routed["aaaa"] == next);
}

TEST_CASE("session mux: sessions come and go; a broken stream is final") {
  SessionMux mux;
  CHECK(mux.add_session("aaaa"));
  CHECK(!mux.add_session("aaaa"));
  CHECK(!mux.add_session(""));
  CHECK(mux.add_session("bbbb"));
  CHECK(mux.session_count() == 2);
  CHECK(mux.remove_session("bbbb"));
  CHECK(!mux.remove_session("bbbb"));
  CHECK(!mux.has_session("bbbb"));

  Routed routed;
  const auto sink = [&](std::string_view id, std::string_view bytes) { routed[std::string(id)].append(bytes); };
  SUBCASE("removed mid-message: the rest of it is dropped") {
    const std::string send = "MSRP snd1 SEND\r\nTo-Path: " + a_uri + "\r\nFrom-Path: " + x_uri +
                             "\r\nMessage-ID: msg1\r\nByte-Range: 1-10/10\r\nContent-Type: text/plain\r\n\r\n";
    INFO(mux.error().message());
    REQUIRE(mux.on_bytes(send + "01234", sink));
    CHECK(routed["aaaa"] == send + "01234");
    CHECK(mux.remove_session("aaaa"));
    REQUIRE(mux.on_bytes("56789\r\n-------snd1$\r\n", sink));
    CHECK(routed["aaaa"] == send + "01234");
  }
  SUBCASE("garbage breaks the stream for every session") {
    CHECK(!mux.on_bytes("HTTP/1.1 200 OK\r\n\r\n", sink));
    CHECK(mux.error());
    const std::string next = "MSRP tra9 200 OK\r\nTo-Path: " + a_uri + "\r\nFrom-Path: " + x_uri + "\r\n-------tra9$\r\n";
    CHECK(!mux.on_bytes(next, sink));
    CHECK(routed.empty());
  }
}

// A listener's connection: the first message for a session-id not here is
// offered to the claim callback, which may add the session; it is asked
// once per message, and a session-id it does not add still gets 481.
TEST_CASE("session mux: a message for a session not here is offered to the claim callback first") {
  MsrpSession x(config(x_uri, a_uri), counter(5));
  MsrpSession y(config(y_uri, b_uri), counter(6));
  x.send_message({"text/plain", std::string(250, 'x'), ReportRequest::no, ReportRequest::yes}, t0);
  y.send_message({"text/plain", "for b", ReportRequest::no, ReportRequest::yes}, t0);
  const std::string stream = x.take_output() + y.take_output();
  for (std::size_t at = 0; at <= stream.size(); ++at) {
    SessionMux mux;
    std::vector<std::string> asked;
    mux.set_claim([&](std::string_view id) {
      asked.emplace_back(id);
      if (id == "aaaa") mux.add_session(id);  // a waits for its peer; nobody waits for b
    });
    Routed routed;
    REQUIRE(feed_split(mux, stream, at, routed));
    // x's message is three chunks: a is claimed on the first, then found.
    CHECK(asked == std::vector<std::string>{"aaaa", "bbbb"});
    CHECK(mux.has_session("aaaa"));
    CHECK(routed.size() == 1);
    MsrpSession a(config(a_uri, x_uri), counter(7));
    REQUIRE(a.on_bytes(routed["aaaa"], t0));
    const auto events = a.take_events();
    REQUIRE(events.size() == 1);
    CHECK(events[0].body == std::string(250, 'x'));
    const std::string reply = mux.take_output();
    CHECK(reply.find(" 481 ") != std::string::npos);  // y's SEND
    CHECK(mux.dropped() == 1);
  }
}
