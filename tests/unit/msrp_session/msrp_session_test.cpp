// MsrpSession, the pure core of one MSRP session: two of them back to back
// in memory (what one writes, the other reads, split at any point), and one
// facing hand-written requests: chunking and reassembly, responses and
// reports, 481 for another session, 501, 413, Failure-Report, timeouts and a
// lost connection.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "msrp/parser.hpp"
#include "msrp/serializer.hpp"
#include "msrp/session.hpp"

using namespace cosip::msrp;
using namespace std::chrono_literals;
using Kind = SessionEvent::Kind;

namespace {

const TimePoint t0{std::chrono::seconds(1000)};

std::function<std::uint64_t()> counter(std::uint64_t seed) {
  return [n = seed]() mutable { return n += 0x9e3779b97f4a7c15ULL; };
}

SessionConfig config(const std::string& local, const std::string& remote, std::size_t chunk = 2048) {
  SessionConfig c;
  c.local_uri = local;
  c.remote_path = {remote};
  c.chunk_size = chunk;
  return c;
}

const std::string alice_uri = "msrp://127.0.0.1:7001/alicesession;tcp";
const std::string bob_uri = "msrp://127.0.0.1:7002/bobsession;tcp";

// Bob, receiving streamed messages of up to 1 MiB piece by piece.
SessionConfig streaming_receiver() {
  SessionConfig c = config(bob_uri, alice_uri);
  c.stream_incoming = true;
  c.max_message_size = 1 << 20;
  return c;
}

// Moves each side's output to the other, `step` bytes at a time, until
// nothing is left.
void exchange(MsrpSession& a, MsrpSession& b, std::size_t step = 1 << 20) {
  for (;;) {
    const std::string from_a = a.take_output();
    const std::string from_b = b.take_output();
    if (from_a.empty() && from_b.empty()) return;
    for (std::size_t i = 0; i < from_a.size(); i += step) REQUIRE(b.on_bytes(std::string_view(from_a).substr(i, step), t0));
    for (std::size_t i = 0; i < from_b.size(); i += step) REQUIRE(a.on_bytes(std::string_view(from_b).substr(i, step), t0));
  }
}

std::vector<Message> parse_all(std::string bytes) {
  std::vector<Message> out;
  StreamParser parser;
  Message current;
  std::string_view rest = bytes;
  for (;;) {
    const auto r = parser.feed(rest);
    rest.remove_prefix(r.used);
    if (r.event == Event::need_more) break;
    REQUIRE(r.event != Event::error);
    if (r.event == Event::head) current = Message{};
    if (r.event == Event::head) current.head = OwnedHead(parser.head());
    if (r.event == Event::body) current.body += parser.body();
    if (r.event == Event::end) {
      current.flag = parser.flag();
      out.push_back(std::move(current));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("msrp session: a message in chunks, delivered both ways, at every split size") {
  for (const std::size_t step : {1u, 7u, 100u, 1u << 20}) {
    CAPTURE(step);
    MsrpSession alice(config(alice_uri, bob_uri, 10), counter(1));
    MsrpSession bob(config(bob_uri, alice_uri), counter(2));
    REQUIRE(alice.valid());
    REQUIRE(bob.valid());
    const std::string text = "Hello Bob, this message spans several chunks of ten bytes.";
    OutgoingMessage m;
    m.content_type = "text/plain";
    m.body = text;
    const std::string id = alice.send_message(m, t0);
    CHECK(alice.pending_transactions() == 6);
    exchange(alice, bob, step);
    const auto got = bob.take_events();
    REQUIRE(got.size() == 1);
    CHECK(got[0].kind == Kind::message_received);
    CHECK(got[0].message_id == id);
    CHECK(got[0].content_type == "text/plain");
    CHECK(got[0].body == text);
    const auto sent = alice.take_events();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].kind == Kind::delivered);
    CHECK(sent[0].message_id == id);
    CHECK(sent[0].code == 200);
    CHECK(alice.pending_transactions() == 0);
  }
}

TEST_CASE("msrp session: the chunks on the wire carry Byte-Range and the continuation flags") {
  MsrpSession alice(config(alice_uri, bob_uri, 4), counter(3));
  OutgoingMessage m;
  m.content_type = "text/plain";
  m.body = "abcdefghij";
  alice.send_message(m, t0);
  const std::vector<Message> chunks = parse_all(alice.take_output());
  REQUIRE(chunks.size() == 3);
  CHECK(chunks[0].body == "abcd");
  CHECK(chunks[0].flag == EndFlag::more);
  REQUIRE(chunks[2].head.get().byte_range);
  CHECK(chunks[2].head.get().byte_range->start == 9);
  CHECK(chunks[2].head.get().byte_range->end == 10);
  CHECK(chunks[2].head.get().byte_range->total == 10);
  CHECK(chunks[2].flag == EndFlag::complete);
  CHECK(chunks[0].head.get().transaction_id != chunks[1].head.get().transaction_id);
}

TEST_CASE("msrp session: chunks out of order are reassembled") {
  MsrpSession alice(config(alice_uri, bob_uri, 5), counter(4));
  MsrpSession bob(config(bob_uri, alice_uri), counter(5));
  OutgoingMessage m;
  m.content_type = "text/plain";
  m.body = "0123456789ABCDE";
  alice.send_message(m, t0);
  const std::string wire = alice.take_output();
  std::vector<std::string> pieces;
  // Cut the output at each "MSRP " that starts a chunk.
  for (std::size_t at = 0; at < wire.size();) {
    const std::size_t next = wire.find("MSRP ", at + 1);
    pieces.push_back(wire.substr(at, next == std::string::npos ? std::string::npos : next - at));
    at = next == std::string::npos ? wire.size() : next;
  }
  REQUIRE(pieces.size() == 3);
  for (const int i : {2, 0, 1}) REQUIRE(bob.on_bytes(pieces[static_cast<std::size_t>(i)], t0));
  const auto got = bob.take_events();
  REQUIRE(got.size() == 1);
  CHECK(got[0].body == "0123456789ABCDE");
}

TEST_CASE("msrp session: Success-Report: yes is answered with a REPORT, which delivers") {
  MsrpSession alice(config(alice_uri, bob_uri), counter(6));
  MsrpSession bob(config(bob_uri, alice_uri), counter(7));
  OutgoingMessage m;
  m.content_type = "text/plain";
  m.body = "report me";
  m.success_report = ReportRequest::yes;
  const std::string id = alice.send_message(m, t0);
  REQUIRE(alice.on_bytes(bob.take_output(), t0));  // nothing yet
  const std::string send = alice.take_output();
  REQUIRE(bob.on_bytes(send, t0));
  const std::vector<Message> back = parse_all(bob.take_output());
  REQUIRE(back.size() == 2);  // 200, then the REPORT
  CHECK_FALSE(back[0].head.get().is_request);
  CHECK(back[1].head.get().method == Method::report);
  REQUIRE(back[1].head.get().status);
  CHECK(back[1].head.get().status->code == 200);
  CHECK(back[1].head.get().byte_range->end == 9);
  // The 200 alone does not deliver: the REPORT does.
  std::string both;
  for (const Message& msg : back) both += serialize(msg.head.get(), msg.body, msg.flag);
  REQUIRE(alice.on_bytes(both, t0));
  const auto events = alice.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::delivered);
  CHECK(events[0].message_id == id);
  CHECK(alice.take_output().empty());  // a REPORT is never answered
}

TEST_CASE("msrp session: a request for another session gets 481 and is not delivered") {
  MsrpSession bob(config(bob_uri, alice_uri), counter(8));
  const std::string send =
      "MSRP a786hjs2 SEND\r\n"
      "To-Path: msrp://127.0.0.1:7002/othersession;tcp\r\n"
      "From-Path: msrp://127.0.0.1:7001/alicesession;tcp\r\n"
      "Message-ID: 87652491\r\n"
      "Byte-Range: 1-5/5\r\n"
      "Content-Type: text/plain\r\n"
      "\r\n"
      "hello\r\n"
      "-------a786hjs2$\r\n";
  REQUIRE(bob.on_bytes(send, t0));
  CHECK(bob.take_events().empty());
  const std::vector<Message> back = parse_all(bob.take_output());
  REQUIRE(back.size() == 1);
  CHECK(back[0].head.get().status_code == 481);
  CHECK(back[0].head.get().transaction_id == "a786hjs2");
}

TEST_CASE("msrp session: 501 for an unknown method, 413 for a message too big, none with Failure-Report: no") {
  SessionConfig c = config(bob_uri, alice_uri);
  c.max_message_size = 100;
  MsrpSession bob(c, counter(9));
  const std::string head_to_bob = "To-Path: " + bob_uri + "\r\nFrom-Path: " + alice_uri + "\r\n";
  REQUIRE(bob.on_bytes("MSRP tid1xx NOTIFY\r\n" + head_to_bob + "-------tid1xx$\r\n", t0));
  REQUIRE(bob.on_bytes("MSRP tid2xx SEND\r\n" + head_to_bob +
                           "Message-ID: msg2xx\r\nByte-Range: 1-5/500\r\nContent-Type: text/plain\r\n\r\nhello\r\n-------tid2xx+\r\n",
                       t0));
  REQUIRE(bob.on_bytes("MSRP tid3xx SEND\r\n" + head_to_bob +
                           "Message-ID: msg3xx\r\nByte-Range: 1-2/2\r\nFailure-Report: no\r\nContent-Type: text/plain\r\n\r\nhi\r\n-------tid3xx$\r\n",
                       t0));
  const std::vector<Message> back = parse_all(bob.take_output());
  REQUIRE(back.size() == 2);
  CHECK(back[0].head.get().status_code == 501);
  CHECK(back[1].head.get().status_code == 413);
  const auto events = bob.take_events();
  REQUIRE(events.size() == 1);  // m3 is delivered, unanswered
  CHECK(events[0].message_id == "msg3xx");
  CHECK(events[0].body == "hi");
}

TEST_CASE("msrp session: an interrupted message is dropped; an error response fails ours") {
  MsrpSession bob(config(bob_uri, alice_uri), counter(10));
  const std::string head_to_bob = "To-Path: " + bob_uri + "\r\nFrom-Path: " + alice_uri + "\r\n";
  REQUIRE(bob.on_bytes("MSRP tid4xx SEND\r\n" + head_to_bob +
                           "Message-ID: msg4xx\r\nByte-Range: 1-3/10\r\nContent-Type: text/plain\r\n\r\nabc\r\n-------tid4xx#\r\n",
                       t0));
  const auto dropped = bob.take_events();
  REQUIRE(dropped.size() == 1);  // not delivered: only the news that it was dropped
  CHECK(dropped[0].kind == Kind::interrupted);
  CHECK(dropped[0].message_id == "msg4xx");

  MsrpSession alice(config(alice_uri, bob_uri), counter(11));
  OutgoingMessage m;
  m.content_type = "text/plain";
  m.body = "refused";
  const std::string id = alice.send_message(m, t0);
  const std::vector<Message> sent = parse_all(alice.take_output());
  REQUIRE(sent.size() == 1);
  const std::string response = serialize(make_response(sent[0].head.get(), 415), {}, EndFlag::complete);
  REQUIRE(alice.on_bytes(response, t0));
  const auto events = alice.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::not_delivered);
  CHECK(events[0].message_id == id);
  CHECK(events[0].code == 415);
}

TEST_CASE("msrp session: no response in 30 s is 408; a lost connection fails what is pending") {
  MsrpSession alice(config(alice_uri, bob_uri), counter(12));
  OutgoingMessage m;
  m.content_type = "text/plain";
  m.body = "anyone?";
  const std::string first = alice.send_message(m, t0);
  const std::string second = alice.send_message(m, t0 + 10s);
  REQUIRE(alice.next_timeout() == t0 + 30s);
  alice.on_timeout(t0 + 29s);
  CHECK(alice.take_events().empty());
  alice.on_timeout(t0 + 30s);
  auto events = alice.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].message_id == first);
  CHECK(events[0].code == 408);
  CHECK(alice.next_timeout() == t0 + 40s);
  alice.on_connection_lost("connection reset by peer");
  events = alice.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].message_id == second);
  CHECK(events[0].kind == Kind::not_delivered);
  CHECK(events[0].reason == "connection reset by peer");
  CHECK_FALSE(alice.next_timeout().has_value());
}

TEST_CASE("msrp session: a broken stream is reported, and a bad configuration refused") {
  MsrpSession bob(config(bob_uri, alice_uri), counter(13));
  CHECK_FALSE(bob.on_bytes("HTTP/1.1 200 OK\r\n\r\n", t0));
  CHECK(bob.error());
  MsrpSession bad(config("sip:bob@example.com", alice_uri), counter(14));
  CHECK_FALSE(bad.valid());
  CHECK(bad.config_error().find("sip:bob@example.com") != std::string::npos);
}

TEST_CASE("msrp session: a streamed message goes out as the output drains, and comes in piece by piece") {
  SessionConfig a = config(alice_uri, bob_uri, 1000);
  a.output_budget = 8000;
  const SessionConfig b = streaming_receiver();
  MsrpSession alice(a, counter(20));
  MsrpSession bob(b, counter(21));
  std::string file(100000, '\0');
  for (std::size_t i = 0; i < file.size(); ++i) file[i] = static_cast<char>(i * 7 % 251);
  OutgoingStream stream;
  stream.content_type = "application/octet-stream";
  stream.size = file.size();
  std::size_t reads = 0;
  stream.read = [&](std::uint64_t offset, std::span<char> out) {
    ++reads;
    const std::size_t n = std::min<std::size_t>(out.size(), file.size() - static_cast<std::size_t>(offset));
    std::copy_n(file.begin() + static_cast<std::ptrdiff_t>(offset), n, out.begin());
    return n;
  };
  const std::string id = alice.send_stream(stream, t0);
  std::string received(file.size(), '?');
  bool whole = false;
  std::size_t largest_output = 0;
  for (int round = 0; round < 1000 && !whole; ++round) {
    const std::string out = alice.take_output();
    largest_output = std::max(largest_output, out.size());
    REQUIRE(bob.on_bytes(out, t0));
    for (const SessionEvent& e : bob.take_events()) {
      if (e.kind == Kind::chunk_received) {
        CHECK(e.total == file.size());
        std::copy(e.body.begin(), e.body.end(), received.begin() + static_cast<std::ptrdiff_t>(e.position - 1));
      }
      if (e.kind == Kind::message_received) {
        CHECK(e.message_id == id);
        CHECK(e.body.empty());  // it came in pieces
        whole = true;
      }
    }
    REQUIRE(alice.on_bytes(bob.take_output(), t0));
    if (!whole) CHECK(alice.take_events().empty());  // not delivered before the last chunk
  }
  REQUIRE(whole);
  CHECK(received == file);
  CHECK(reads == 100);
  // Chunks are made as the output drains: never far beyond the budget.
  CHECK(largest_output < 8000 + 2 * 1000 + 2 * 400);
  REQUIRE(alice.on_bytes(bob.take_output(), t0));
  const auto events = alice.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::delivered);
  CHECK(events[0].message_id == id);
}

TEST_CASE("msrp session: a stream whose source ends early fails, and stops") {
  MsrpSession alice(config(alice_uri, bob_uri, 1000), counter(22));
  OutgoingStream stream;
  stream.content_type = "application/octet-stream";
  stream.size = 5000;
  stream.read = [](std::uint64_t offset, std::span<char> out) {
    return offset >= 2000 ? std::size_t{0} : out.size();
  };
  const std::string id = alice.send_stream(stream, t0);
  const std::vector<Message> chunks = parse_all(alice.take_output());
  CHECK(chunks.size() == 2);
  const auto events = alice.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::not_delivered);
  CHECK(events[0].message_id == id);
  CHECK(alice.take_output().empty());
}

namespace {

// A streamed message of `size` bytes of 'x'.
OutgoingStream pattern_stream(std::uint64_t size) {
  OutgoingStream stream;
  stream.content_type = "application/octet-stream";
  stream.size = size;
  stream.read = [size](std::uint64_t offset, std::span<char> out) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), size - offset));
    std::fill_n(out.begin(), n, 'x');
    return n;
  };
  return stream;
}

}  // namespace

TEST_CASE("msrp session: interrupting a stream ends it with '#'; the receiver hears of it") {
  SessionConfig a = config(alice_uri, bob_uri, 1000);
  a.output_budget = 3000;
  const SessionConfig b = streaming_receiver();
  MsrpSession alice(a, counter(30));
  MsrpSession bob(b, counter(31));
  const std::string id = alice.send_stream(pattern_stream(100000), t0);
  REQUIRE(bob.on_bytes(alice.take_output(), t0));
  std::uint64_t received = 0;
  for (const SessionEvent& e : bob.take_events()) {
    REQUIRE(e.kind == Kind::chunk_received);
    received += e.body.size();
  }
  CHECK(received >= 3000);
  CHECK(received < 100000);

  alice.interrupt(id, t0);
  auto events = alice.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::not_delivered);
  CHECK(events[0].message_id == id);
  CHECK(events[0].reason == "cancelled");
  const std::vector<Message> last = parse_all(alice.take_output());
  REQUIRE(last.size() == 1);  // no chunk after the interrupting one
  CHECK(last[0].flag == EndFlag::interrupted);
  CHECK(last[0].body.empty());
  REQUIRE(last[0].head.get().byte_range);
  CHECK(last[0].head.get().byte_range->start == received + 1);
  CHECK(last[0].head.get().byte_range->total == 100000);

  REQUIRE(bob.on_bytes(serialize(last[0].head.get(), last[0].body, last[0].flag), t0));
  events = bob.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::interrupted);
  CHECK(events[0].message_id == last[0].head.get().message_id);
  // Responses still in flight for the earlier chunks change nothing.
  REQUIRE(alice.on_bytes(bob.take_output(), t0));
  CHECK(alice.take_events().empty());
  CHECK(alice.pending_transactions() == 0);
}

TEST_CASE("msrp session: a refused message gets 413, which stops the sender") {
  SessionConfig a = config(alice_uri, bob_uri, 1000);
  a.output_budget = 3000;
  const SessionConfig b = streaming_receiver();
  MsrpSession alice(a, counter(32));
  MsrpSession bob(b, counter(33));
  const std::string id = alice.send_stream(pattern_stream(100000), t0);
  const std::string first = alice.take_output();
  // Bob stops the message while its first chunk is half read.
  REQUIRE(bob.on_bytes(std::string_view(first).substr(0, 500), t0));
  const auto pieces = bob.take_events();
  REQUIRE(!pieces.empty());
  bob.refuse(pieces.front().message_id);
  REQUIRE(bob.on_bytes(std::string_view(first).substr(500), t0));
  CHECK(bob.take_events().empty());  // nothing more of it is delivered
  const std::vector<Message> responses = parse_all(bob.take_output());
  REQUIRE(!responses.empty());
  CHECK(responses[0].head.get().status_code == 413);
  for (const Message& r : responses) CHECK(r.head.get().status_code == 413);

  REQUIRE(alice.on_bytes(serialize(responses[0].head.get(), {}, EndFlag::complete), t0));
  const auto events = alice.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::not_delivered);
  CHECK(events[0].message_id == id);
  CHECK(events[0].code == 413);
  CHECK(alice.take_output().empty());  // no more chunks of it
}

TEST_CASE("msrp session: pieces handed to on_piece as views, the output's buffer handed back and forth") {
  SessionConfig a = config(alice_uri, bob_uri, 700);
  a.output_budget = 3000;
  SessionConfig b = streaming_receiver();
  std::string file(20000, '\0');
  for (std::size_t i = 0; i < file.size(); ++i) file[i] = static_cast<char>(i * 13 % 256);
  std::string received(file.size(), '?');
  std::size_t pieces = 0;
  b.on_piece = [&](const IncomingPiece& p) {
    ++pieces;
    CHECK(p.total == file.size());
    CHECK(p.content_type == "application/octet-stream");
    REQUIRE(p.position - 1 + p.bytes.size() <= file.size());
    std::copy(p.bytes.begin(), p.bytes.end(), received.begin() + static_cast<std::ptrdiff_t>(p.position - 1));
  };
  MsrpSession alice(a, counter(30));
  MsrpSession bob(b, counter(31));
  OutgoingStream stream;
  stream.content_type = "application/octet-stream";
  stream.size = file.size();
  stream.read = [&](std::uint64_t offset, std::span<char> out) {
    std::copy_n(file.begin() + static_cast<std::ptrdiff_t>(offset), out.size(), out.begin());
    return out.size();
  };
  const std::string id = alice.send_stream(stream, t0);
  std::string out = "stale bytes, dropped";
  std::string back;
  bool whole = false;
  for (int round = 0; round < 100 && !whole; ++round) {
    alice.take_output(out);
    // Split where it falls: the pieces are views into what each call got.
    for (std::size_t i = 0; i < out.size(); i += 333) REQUIRE(bob.on_bytes(std::string_view(out).substr(i, 333), t0));
    for (const SessionEvent& e : bob.take_events()) {
      CHECK(e.kind != Kind::chunk_received);  // they went to on_piece
      if (e.kind == Kind::message_received) {
        CHECK(e.message_id == id);
        whole = true;
      }
    }
    bob.take_output(back);
    REQUIRE(alice.on_bytes(back, t0));
  }
  REQUIRE(whole);
  CHECK(received == file);
  CHECK(pieces >= 29);  // 29 chunks, some split across calls
  const auto events = alice.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::delivered);
  CHECK(alice.pending_transactions() == 0);
  CHECK_FALSE(alice.next_timeout().has_value());
}

TEST_CASE("msrp session: responses out of order; the deadline follows the oldest unanswered chunk") {
  MsrpSession alice(config(alice_uri, bob_uri, 4), counter(32));
  OutgoingMessage m;
  m.content_type = "text/plain";
  m.body = "abcdefghijkl";  // three chunks at t0
  const std::string first = alice.send_message(m, t0);
  m.body = "mnop";  // one chunk at t0 + 5 s
  const std::string second = alice.send_message(m, t0 + 5s);
  const std::vector<Message> sent = parse_all(alice.take_output());
  REQUIRE(sent.size() == 4);
  CHECK(alice.pending_transactions() == 4);
  const auto answer = [&](std::size_t i) {
    REQUIRE(alice.on_bytes(serialize(make_response(sent[i].head.get(), 200), {}, EndFlag::complete), t0));
  };
  answer(3);  // the second message, before the first's chunks
  auto events = alice.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].message_id == second);
  CHECK(alice.next_timeout() == t0 + 30s);
  answer(1);
  answer(1);  // a repeated response changes nothing
  CHECK(alice.pending_transactions() == 2);
  answer(0);
  CHECK(alice.take_events().empty());
  CHECK(alice.next_timeout() == t0 + 30s);  // the third chunk is still open
  alice.on_timeout(t0 + 30s);
  events = alice.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].message_id == first);
  CHECK(events[0].code == 408);
  CHECK(alice.pending_transactions() == 0);
  CHECK_FALSE(alice.next_timeout().has_value());
}

TEST_CASE("msrp session: a message refused from inside on_piece stops there") {
  SessionConfig a = config(alice_uri, bob_uri, 1000);
  a.output_budget = 3000;
  SessionConfig b = streaming_receiver();
  MsrpSession* receiver = nullptr;
  std::size_t pieces = 0;
  b.on_piece = [&](const IncomingPiece& p) {
    ++pieces;
    receiver->refuse(std::string(p.message_id));  // the receiving state goes while the session is in on_body
  };
  MsrpSession alice(a, counter(40));
  MsrpSession bob(b, counter(41));
  receiver = &bob;
  const std::string id = alice.send_stream(pattern_stream(100000), t0);
  REQUIRE(bob.on_bytes(alice.take_output(), t0));
  CHECK(pieces == 1);
  CHECK(bob.take_events().empty());
  const std::vector<Message> responses = parse_all(bob.take_output());
  REQUIRE(!responses.empty());
  for (const Message& r : responses) CHECK(r.head.get().status_code == 413);
  REQUIRE(alice.on_bytes(serialize(responses[0].head.get(), {}, EndFlag::complete), t0));
  const auto events = alice.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].message_id == id);
  CHECK(events[0].code == 413);
}

TEST_CASE("msrp session: Failure-Report: partial — no 200 per chunk, no timeout, the REPORT delivers") {
  SessionConfig a = config(alice_uri, bob_uri, 1000);
  a.output_budget = 4000;
  const SessionConfig b = streaming_receiver();
  MsrpSession alice(a, counter(40));
  MsrpSession bob(b, counter(41));
  OutgoingStream stream = pattern_stream(25000);
  stream.success_report = ReportRequest::yes;
  stream.failure_report = ReportRequest::partial;
  const std::string id = alice.send_stream(stream, t0);

  std::set<std::string> transaction_ids;
  std::uint64_t received = 0;
  bool delivered = false;
  for (int round = 0; round < 100 && !delivered; ++round) {
    const std::string chunks = alice.take_output();
    for (const Message& m : parse_all(chunks)) {
      CHECK(m.head.get().failure_report == ReportRequest::partial);
      CHECK(m.head.get().transaction_id.size() == 20);
      transaction_ids.insert(std::string(m.head.get().transaction_id));
    }
    // Nothing is waiting for a response: no transaction, no deadline.
    CHECK(alice.pending_transactions() == 0);
    CHECK(!alice.next_timeout());
    REQUIRE(bob.on_bytes(chunks, t0));
    for (const SessionEvent& e : bob.take_events())
      if (e.kind == Kind::chunk_received) received += e.body.size();
    const std::vector<Message> back = parse_all(bob.take_output());
    for (const Message& m : back) CHECK(m.head.get().is_request);  // the REPORT only, never a response
    for (const Message& m : back) REQUIRE(alice.on_bytes(serialize(m.head.get(), m.body, m.flag), t0));
    for (const SessionEvent& e : alice.take_events()) {
      CHECK(e.kind == Kind::delivered);
      CHECK(e.message_id == id);
      delivered = true;
    }
  }
  CHECK(delivered);
  CHECK(received == 25000);
  CHECK(transaction_ids.size() == 25);  // one id per chunk, all different
}

TEST_CASE("msrp session: Failure-Report: partial — an error response still stops the sender") {
  SessionConfig a = config(alice_uri, bob_uri, 1000);
  a.output_budget = 3000;
  const SessionConfig b = streaming_receiver();
  MsrpSession alice(a, counter(42));
  MsrpSession bob(b, counter(43));
  OutgoingStream other = pattern_stream(100000);  // a second message in the queue, behind the first
  other.failure_report = ReportRequest::partial;
  OutgoingStream stream = pattern_stream(100000);
  stream.success_report = ReportRequest::yes;
  stream.failure_report = ReportRequest::partial;
  const std::string id = alice.send_stream(stream, t0);
  alice.send_stream(other, t0);
  const std::string first = alice.take_output();
  REQUIRE(bob.on_bytes(std::string_view(first).substr(0, 500), t0));
  const auto pieces = bob.take_events();
  REQUIRE(!pieces.empty());
  bob.refuse(pieces.front().message_id);
  REQUIRE(bob.on_bytes(std::string_view(first).substr(500), t0));
  const std::vector<Message> responses = parse_all(bob.take_output());
  REQUIRE(!responses.empty());
  CHECK(responses[0].head.get().status_code == 413);

  REQUIRE(alice.on_bytes(serialize(responses[0].head.get(), {}, EndFlag::complete), t0));
  const auto events = alice.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::not_delivered);
  CHECK(events[0].message_id == id);  // found by its chunks' tag, not the other message
  CHECK(events[0].code == 413);
  // The next chunks are the other message's.
  for (const Message& m : parse_all(alice.take_output())) CHECK(m.head.get().message_id != id);
}

TEST_CASE("msrp session: a message sent with Failure-Report: partial and no report is sent, and never times out") {
  MsrpSession alice(config(alice_uri, bob_uri, 100), counter(44));
  OutgoingMessage m;
  m.content_type = "text/plain";
  m.body = std::string(450, 'y');
  m.failure_report = ReportRequest::partial;
  const std::string id = alice.send_message(m, t0);
  const auto events = alice.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::delivered);
  CHECK(events[0].message_id == id);
  CHECK(parse_all(alice.take_output()).size() == 5);
  // Before, each chunk waited for a 200 that partial never brings: 408 after 30 s.
  CHECK(!alice.next_timeout());
  alice.on_timeout(t0 + 60s);
  CHECK(alice.take_events().empty());
}

// A session made before the peer's path was known (on a shared listener)
// takes it later; a path that is not MSRP URIs is refused and changes nothing.
TEST_CASE("msrp session: the remote path set after the session was made") {
  MsrpSession alice(config(alice_uri, alice_uri), counter(90));
  CHECK(!alice.set_remote_path({}));
  CHECK(!alice.set_remote_path({"sip:bob@example.com"}));
  alice.send_message({"text/plain", "before", ReportRequest::no, ReportRequest::no}, t0);
  REQUIRE(alice.set_remote_path({bob_uri}));
  alice.send_message({"text/plain", "after", ReportRequest::no, ReportRequest::no}, t0);
  const std::vector<Message> sent = parse_all(alice.take_output());
  REQUIRE(sent.size() == 2);
  REQUIRE(sent[0].head->to_path.size() == 1);
  CHECK(sent[0].head->to_path[0].session_id == "alicesession");
  REQUIRE(sent[1].head->to_path.size() == 1);
  CHECK(sent[1].head->to_path[0].session_id == "bobsession");
  CHECK(sent[1].head->to_path[0].port == 7002);
}
