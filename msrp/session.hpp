// One MSRP session over its connection (RFC 4975) as a pure core: messages
// we send are cut into SEND chunks and their responses and REPORTs tracked;
// requests that come in are checked, answered, reassembled and delivered.
// Bytes and time in; bytes to write, events and the next deadline out. The
// shell (TCP or TLS) moves the bytes and keeps the timer.
//
// Rules it follows (RFC 4975 §7 and the status codes of §10):
//   - a request whose To-Path does not name this session gets 481 and is
//     never delivered; an unknown method gets 501;
//   - Failure-Report: no means no response at all, partial only error
//     responses (§7.1.1); REPORTs are never answered (§7.1.2);
//   - chunks of one message (same Message-ID) may come out of order; the
//     message is delivered when every byte of it arrived; a chunk ending
//     with '#' abandons it (§7.1.1);
//   - a message bigger than max_message_size is refused with 413;
//   - Success-Report: yes is answered with a REPORT 200 for the whole
//     message once it is complete (§7.1.2);
//   - our SEND without a response within transaction_timeout (30 s by
//     default) fails with 408; one sent with Failure-Report: partial or no
//     expects none and has no timeout (an error response still fails it).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "msrp/message.hpp"
#include "msrp/parser.hpp"
#include "msrp/received_ranges.hpp"
#include "msrp/serializer.hpp"

namespace cosip::msrp {

using TimePoint = std::chrono::steady_clock::time_point;

// A piece of an incoming message's body as it is parsed (stream_incoming
// with SessionConfig::on_piece): views valid only during the call.
struct IncomingPiece {
  std::string_view message_id;
  std::string_view content_type;
  std::string_view bytes;
  std::uint64_t position = 0;  // 1-based position of bytes' first byte in the message
  std::uint64_t total = 0;     // the message's size, 0 when unknown
};

struct SessionConfig {
  std::string local_uri;                 // ours, with the session-id: From-Path of our requests
  std::vector<std::string> remote_path;  // To-Path of our requests: relays first, the peer last
  std::size_t chunk_size = 2048;         // body bytes per SEND
  std::uint64_t max_message_size = 1024 * 1024;  // what one incoming message may hold
  std::chrono::milliseconds transaction_timeout{30000};
  Limits limits;                          // of the stream parser
  // Incoming bodies handed out piece by piece as they come
  // (SessionEvent::Kind::chunk_received) instead of kept until the message
  // is whole: file transfer, whose memory must not grow with the file.
  bool stream_incoming = false;
  // With stream_incoming: when set, each piece is handed here during
  // on_bytes(), as a view into the bytes given, instead of being copied into
  // a chunk_received event. Every piece of a message comes before its
  // message_received event.
  std::function<void(const IncomingPiece&)> on_piece;
  // Bytes of streamed messages' chunks made ahead of the connection.
  std::size_t output_budget = 256 * 1024;
};

struct OutgoingMessage {
  std::string content_type;
  std::string body;
  ReportRequest success_report = ReportRequest::no;
  ReportRequest failure_report = ReportRequest::yes;
};

// A message whose body is read as it goes out, so that its size does not
// matter: read(offset, out) fills `out` with the bytes from `offset`
// (0-based) on and returns how many (fewer only at the end).
struct OutgoingStream {
  std::string content_type;
  std::uint64_t size = 0;
  std::function<std::size_t(std::uint64_t offset, std::span<char> out)> read;
  ReportRequest success_report = ReportRequest::no;
  // partial: the receiver answers only the chunks it refuses, which spares
  // a response per chunk; with Success-Report: yes the REPORT still says
  // that the whole message arrived (what file transfer asks for).
  ReportRequest failure_report = ReportRequest::yes;
};

struct SessionEvent {
  enum class Kind {
    chunk_received,    // with stream_incoming: the next piece of a message
    message_received,  // a whole message came in
    delivered,         // ours: a 200 for its last chunk, or a REPORT 200
    not_delivered,     // ours: an error response, a REPORT with an error, a timeout, the connection lost, interrupt()
    interrupted,       // theirs: the sender abandoned a message (a chunk ended with '#')
  };
  Kind kind = Kind::message_received;
  std::string message_id;
  std::string content_type;  // message_received, chunk_received
  std::string body;          // message_received; chunk_received: the piece
  std::uint16_t code = 0;
  std::string reason;
  std::uint64_t position = 0;  // chunk_received: 1-based position of the piece's first byte
  std::uint64_t total = 0;     // chunk_received: the message's size, 0 when unknown
};

class MsrpSession {
 public:
  // `random` draws transaction and message ids. False from valid() (and the
  // session unusable) when a URI of `config` is not an MSRP URI.
  MsrpSession(SessionConfig config, std::function<std::uint64_t()> random);
  MsrpSession(const MsrpSession&) = delete;
  MsrpSession& operator=(const MsrpSession&) = delete;

  bool valid() const { return valid_; }
  const std::string& config_error() const { return config_error_; }
  // The To-Path of our requests from now on, for a session made before the
  // peer's path was known (MsrpStream on a shared listener). False, and
  // the path unchanged, when it is empty or not MSRP URIs.
  bool set_remote_path(std::vector<std::string> path);

  // Queues a message: its chunks are in the output at once. Returns its
  // Message-ID.
  std::string send_message(OutgoingMessage message, TimePoint now);
  // Queues a streamed message: its chunks are made as the output drains
  // (take_output), output_budget bytes ahead. Returns its Message-ID.
  std::string send_stream(OutgoingStream stream, TimePoint now);

  // Abandons a message of ours: a streamed one still being chunked gets a
  // last, empty chunk ending with '#'; it fails at once with "cancelled".
  void interrupt(const std::string& message_id, TimePoint now);
  // Stops receiving a message of theirs: its chunks, the one coming in
  // included, are answered 413 and never delivered.
  void refuse(const std::string& message_id);

  // Bytes from the connection. False when the stream is broken (a syntax
  // error: the parser cannot resynchronise); error() says why and the
  // shell closes the connection, then calls on_connection_lost().
  bool on_bytes(std::string_view bytes, TimePoint now);
  const ParseError& error() const { return parser_.error(); }

  // What to write on the connection, in order; empties it, then makes the
  // next chunks of streamed messages.
  std::string take_output();
  // The same into `out` (its old content dropped), whose buffer the session
  // keeps for its next output: a shell that writes from `out` and hands it
  // back each time allocates nothing.
  void take_output(std::string& out);
  // What happened, in order; empties it.
  std::vector<SessionEvent> take_events();

  std::optional<TimePoint> next_timeout() const;
  void on_timeout(TimePoint now);
  // The connection is gone: every message still pending fails with `reason`.
  void on_connection_lost(std::string_view reason);

  std::size_t pending_transactions() const { return open_transactions_.size(); }

 private:
  struct Transaction {
    std::string id;
    std::string message_id;
    TimePoint deadline;
    bool open = true;  // no response yet, not failed
  };
  struct Sending {
    ReportRequest success_report = ReportRequest::no;
    ReportRequest failure_report = ReportRequest::yes;
    std::size_t unanswered = 0;  // chunks without a response yet
    bool all_chunks_made = false;  // a streamed message's last chunk is out
    ChunkHead head;  // of its chunks
    // Failure-Report: partial: the transaction ids of its chunks are this
    // tag and a count, so that an error response (the only kind that comes)
    // finds its message without a transaction kept per chunk.
    std::string tag;
    std::uint64_t chunks = 0;
  };
  struct Receiving {
    std::string content_type;
    std::string body;  // sized to the total once known
    ReceivedRanges ranges;
    bool last_seen = false;  // the chunk ending with '$' came
    std::optional<ReportRequest> success_report;
  };

  void on_head();
  void on_body(std::string_view piece);
  void on_end(EndFlag flag);
  void respond(std::uint16_t code);
  void on_response();
  void on_report();
  void fail_message(const std::string& message_id, std::uint16_t code, std::string reason);
  void finish_receiving(const std::string& message_id);
  // A message's entry in sending_, with the head of its chunks.
  Sending& start_sending(const std::string& message_id, std::string_view content_type, std::uint64_t total,
                         ReportRequest success, ReportRequest failure);
  // One SEND chunk (bytes range.start..range.end of a message) at the end
  // of the output: begin_chunk() makes room for it, the caller puts the body
  // at output_[at + head_size], finish_chunk() writes the head and end-line
  // and tracks the transaction (unless Failure-Report: no).
  struct ChunkSlot {
    std::size_t at = 0;
    std::size_t head_size = 0;
    std::size_t length = 0;  // of the body
  };
  ChunkSlot begin_chunk(const Sending& sending, const ByteRange& range);
  void finish_chunk(const std::string& message_id, Sending& sending, const ChunkSlot& slot, const ByteRange& range,
                    EndFlag flag);
  void make_stream_chunks();
  // All chunks of `s` are out: delivered now when nothing will come back.
  void sent_without_answer(std::map<std::string, Sending, std::less<>>::iterator s);
  // A transaction answered or failed: no longer open; the answered ones at
  // the front are dropped.
  void close_transaction(std::deque<Transaction>::iterator t);

  struct Streaming {
    std::string message_id;
    OutgoingStream stream;
    std::uint64_t sent = 0;  // bytes made into chunks
  };
  std::vector<Streaming> streaming_;  // in order; the first is being chunked
  TimePoint now_{};

  SessionConfig config_;
  std::function<std::uint64_t()> random_;
  bool valid_ = true;
  std::string config_error_;
  Uri local_;
  UriList local_path_;   // From-Path of our requests
  UriList remote_path_;  // To-Path of our requests

  StreamParser parser_;
  // The request being received: what to do with its body and end.
  enum class Incoming { ignore, deliver, refused };
  Incoming incoming_ = Incoming::ignore;
  std::string incoming_id_;
  Receiving* incoming_message_ = nullptr;  // receiving_[incoming_id_] when delivering
  std::uint64_t incoming_position_ = 0;  // 1-based position of the next body byte

  // Ours, in the order sent, so by deadline (time does not go back): the
  // first is open; the number of transactions_[i] is first_transaction_ + i.
  std::deque<Transaction> transactions_;
  std::uint64_t first_transaction_ = 0;
  struct IdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const { return std::hash<std::string_view>{}(id); }
  };
  std::unordered_map<std::string, std::uint64_t, IdHash, std::equal_to<>> open_transactions_;  // id -> number
  std::map<std::string, Sending, std::less<>> sending_;           // ours, by Message-ID
  std::map<std::string, Receiving, std::less<>> receiving_;       // theirs, by Message-ID
  std::set<std::string, std::less<>> refused_;                    // theirs we stopped (refuse())
  std::string output_;
  std::vector<SessionEvent> events_;
};

}  // namespace cosip::msrp
