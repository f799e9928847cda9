#include "msrp/session.hpp"

#include <algorithm>
#include <utility>

#include "msrp/serializer.hpp"

namespace cosip::msrp {
namespace {

bool parse_path(const std::vector<std::string>& texts, UriList& out) {
  for (const std::string& t : texts) {
    Uri u;
    if (!parse_uri(t, u)) return false;
    out.push_back(u);
  }
  return !out.empty();
}

// The transaction ids of a Failure-Report: partial message's chunks: its
// tag, then the chunk's number in 8 base-36 digits (2.8e12 chunks).
constexpr std::size_t chunk_number_size = 8;

std::string chunk_transaction_id(const std::string& tag, std::uint64_t number) {
  static constexpr std::string_view digits = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string id = tag;
  id.resize(tag.size() + chunk_number_size);
  for (std::size_t i = id.size(); i > tag.size(); --i) {
    id[i - 1] = digits[number % 36];
    number /= 36;
  }
  return id;
}

}  // namespace

MsrpSession::MsrpSession(SessionConfig config, std::function<std::uint64_t()> random)
    : config_(std::move(config)), random_(std::move(random)), parser_(config_.limits) {
  // The views point into config_, which stays put: the session is not movable.
  if (!parse_uri(config_.local_uri, local_) || local_.session_id.empty()) {
    valid_ = false;
    config_error_ = "not an MSRP URI with a session-id: \"" + config_.local_uri + "\"";
  } else if (!parse_path(config_.remote_path, remote_path_)) {
    valid_ = false;
    config_error_ = "the remote path is empty or holds something that is not an MSRP URI";
  }
  local_path_.push_back(local_);
  if (config_.chunk_size == 0) config_.chunk_size = 1;
}

bool MsrpSession::set_remote_path(std::vector<std::string> path) {
  UriList parsed;
  if (!parse_path(path, parsed)) return false;
  // Moving the vector keeps its strings where they are: the views hold.
  config_.remote_path = std::move(path);
  remote_path_ = std::move(parsed);
  return true;
}

MsrpSession::Sending& MsrpSession::start_sending(const std::string& message_id, std::string_view content_type,
                                                 std::uint64_t total, ReportRequest success, ReportRequest failure) {
  Sending& sending = sending_[message_id];
  sending.success_report = success;
  sending.failure_report = failure;
  if (failure == ReportRequest::partial) sending.tag = make_transaction_id(random_());
  MessageHead head = make_send({}, remote_path_, local_path_, message_id, ByteRange{},
                               total == 0 ? std::string_view() : content_type);
  if (success != ReportRequest::no) head.success_report = success;
  if (failure != ReportRequest::yes) head.failure_report = failure;
  sending.head = ChunkHead(head);
  return sending;
}

MsrpSession::ChunkSlot MsrpSession::begin_chunk(const Sending& sending, const ByteRange& range) {
  ChunkSlot slot;
  slot.at = output_.size();
  slot.length = static_cast<std::size_t>(range.end + 1 - range.start);
  // Our transaction ids all have the size make_transaction_id() gives,
  // those of a partial message's chunks that and the chunk number's.
  static const std::size_t id_size = make_transaction_id(0).size();
  slot.head_size = sending.head.size(sending.tag.empty() ? id_size : id_size + chunk_number_size, range);
  output_.resize(slot.at + slot.head_size + slot.length);
  return slot;
}

void MsrpSession::finish_chunk(const std::string& message_id, Sending& sending, const ChunkSlot& slot,
                               const ByteRange& range, EndFlag flag) {
  const std::string_view body(output_.data() + slot.at + slot.head_size, slot.length);
  std::string transaction_id;
  if (sending.tag.empty()) {
    transaction_id = choose_transaction_id(body, random_);
  } else {
    do transaction_id = chunk_transaction_id(sending.tag, sending.chunks++);
    while (body_contains_end_line(body, transaction_id));
  }
  sending.head.write(output_.data() + slot.at, transaction_id, range);
  append_end_line(output_, transaction_id, flag, sending.head.has_body());
  if (sending.failure_report == ReportRequest::yes && flag != EndFlag::interrupted) {
    open_transactions_.emplace(transaction_id, first_transaction_ + transactions_.size());
    transactions_.push_back(Transaction{transaction_id, message_id, now_ + config_.transaction_timeout, true});
    ++sending.unanswered;
  }
}

std::string MsrpSession::send_message(OutgoingMessage message, TimePoint now) {
  now_ = now;
  const std::string message_id = make_transaction_id(random_());
  const std::uint64_t total = message.body.size();
  Sending& sending =
      start_sending(message_id, message.content_type, total, message.success_report, message.failure_report);
  std::uint64_t start = 1;
  do {
    const auto length = static_cast<std::size_t>(std::min<std::uint64_t>(config_.chunk_size, total - (start - 1)));
    const ByteRange range{start, start - 1 + length, total};
    const ChunkSlot slot = begin_chunk(sending, range);
    message.body.copy(output_.data() + slot.at + slot.head_size, length, static_cast<std::size_t>(start - 1));
    finish_chunk(message_id, sending, slot, range, start - 1 + length == total ? EndFlag::complete : EndFlag::more);
    start += length;
  } while (start - 1 < total);
  sending.all_chunks_made = true;
  sent_without_answer(sending_.find(message_id));
  return message_id;
}

void MsrpSession::sent_without_answer(std::map<std::string, Sending, std::less<>>::iterator s) {
  // With Failure-Report: no or partial and no report asked for, nothing
  // comes back for a message that arrives: once its last chunk is out, it
  // is as good as delivered.
  if (s->second.unanswered != 0 || s->second.success_report != ReportRequest::no) return;
  events_.push_back(SessionEvent{SessionEvent::Kind::delivered, s->first, {}, {}, 0, "sent", 0, 0});
  sending_.erase(s);
}

std::string MsrpSession::send_stream(OutgoingStream stream, TimePoint now) {
  now_ = now;
  std::string message_id = make_transaction_id(random_());
  start_sending(message_id, stream.content_type, stream.size, stream.success_report, stream.failure_report);
  streaming_.push_back(Streaming{message_id, std::move(stream), 0});
  return message_id;
}

void MsrpSession::interrupt(const std::string& message_id, TimePoint now) {
  now_ = now;
  const auto s = std::find_if(streaming_.begin(), streaming_.end(),
                              [&](const Streaming& m) { return m.message_id == message_id; });
  // §7.1.1: a chunk ending with '#' tells the receiver the message is
  // abandoned; a message whose last chunk is out cannot be taken back.
  // Its response, if any, finds no transaction: the message has failed.
  if (const auto sending = sending_.find(message_id); s != streaming_.end() && s->sent > 0 && sending != sending_.end()) {
    const ByteRange range{s->sent + 1, s->sent, s->stream.size};
    finish_chunk(message_id, sending->second, begin_chunk(sending->second, range), range, EndFlag::interrupted);
  }
  if (s != streaming_.end()) streaming_.erase(s);
  fail_message(message_id, 0, "cancelled");
}

void MsrpSession::refuse(const std::string& message_id) {
  if (!receiving_.contains(message_id) && !(incoming_ == Incoming::deliver && incoming_id_ == message_id)) return;
  receiving_.erase(message_id);
  refused_.insert(message_id);
  if (incoming_id_ == message_id) incoming_message_ = nullptr;
  // §7.1.1: a 413 asks the sender to stop sending the message; it may go
  // before the chunk being received has ended.
  if (incoming_ == Incoming::deliver && incoming_id_ == message_id) {
    respond(413);
    incoming_ = Incoming::refused;
  }
}

void MsrpSession::make_stream_chunks() {
  while (!streaming_.empty() && output_.size() < config_.output_budget) {
    Streaming& s = streaming_.front();
    const auto sending = sending_.find(s.message_id);
    if (sending == sending_.end()) {  // failed meanwhile: stop sending it
      streaming_.erase(streaming_.begin());
      continue;
    }
    const auto length = static_cast<std::size_t>(std::min<std::uint64_t>(config_.chunk_size, s.stream.size - s.sent));
    const ByteRange range{s.sent + 1, s.sent + length, s.stream.size};
    const ChunkSlot slot = begin_chunk(sending->second, range);
    // The bytes are read straight into their place in the output.
    const std::size_t got =
        length == 0 ? 0 : s.stream.read(s.sent, std::span<char>(output_.data() + slot.at + slot.head_size, length));
    if (got < length) {  // the source ended early: the message cannot be whole
      output_.resize(slot.at);
      fail_message(s.message_id, 0, "the file could not be read to its end");
      continue;
    }
    const bool last = s.sent + length == s.stream.size;
    finish_chunk(s.message_id, sending->second, slot, range, last ? EndFlag::complete : EndFlag::more);
    s.sent += length;
    if (last) {
      sending->second.all_chunks_made = true;
      streaming_.erase(streaming_.begin());
      sent_without_answer(sending);
    }
  }
}

bool MsrpSession::on_bytes(std::string_view bytes, TimePoint now) {
  now_ = now;
  for (;;) {
    const StreamParser::Result r = parser_.feed(bytes);
    bytes.remove_prefix(r.used);
    switch (r.event) {
      case Event::need_more: return true;
      case Event::error: return false;
      case Event::head: on_head(); break;
      case Event::body: on_body(parser_.body()); break;
      case Event::end: on_end(parser_.flag()); break;
    }
  }
}

void MsrpSession::on_head() {
  const MessageHead& head = parser_.head();
  incoming_ = Incoming::ignore;
  incoming_message_ = nullptr;
  incoming_position_ = 1;
  if (!head.is_request) {
    on_response();
    return;
  }
  // The first URI of To-Path is this hop: it must be our session (RFC 4975
  // §6.1 comparison), or the request is for a session that does not exist here.
  if (head.to_path.empty() || !equivalent(head.to_path.front(), local_)) {
    if (head.method != Method::report) respond(481);
    incoming_ = Incoming::refused;
    return;
  }
  switch (head.method) {
    case Method::report: on_report(); return;
    case Method::auth:
    case Method::extension: respond(501); incoming_ = Incoming::refused; return;
    case Method::send: break;
  }
  incoming_id_.assign(head.message_id);
  if (refused_.contains(incoming_id_)) {  // chunks of a message we stopped
    respond(413);
    incoming_ = Incoming::refused;
    return;
  }
  const ByteRange range = head.byte_range.value_or(ByteRange{});
  if (range.total != ByteRange::unknown && range.total > config_.max_message_size) {
    respond(413);
    receiving_.erase(incoming_id_);
    incoming_ = Incoming::refused;
    return;
  }
  Receiving& r = receiving_[incoming_id_];
  if (!head.content_type.empty()) r.content_type = std::string(head.content_type);
  if (head.success_report) r.success_report = head.success_report;
  if (range.total != ByteRange::unknown && !r.ranges.total()) {
    if (!r.ranges.set_total(range.total)) {
      respond(400);
      receiving_.erase(incoming_id_);
      incoming_ = Incoming::refused;
      return;
    }
    if (!config_.stream_incoming) r.body.resize(static_cast<std::size_t>(range.total));
  }
  incoming_position_ = range.start;
  incoming_ = Incoming::deliver;
  incoming_message_ = &r;
}

void MsrpSession::on_body(std::string_view piece) {
  if (incoming_ != Incoming::deliver) return;
  Receiving& r = *incoming_message_;
  const std::uint64_t end = incoming_position_ - 1 + piece.size();
  const std::uint64_t limit = r.ranges.total().value_or(config_.max_message_size);
  if (piece.empty()) return;
  if (end > limit) {
    // More bytes than the message's total, or an unknown total beyond what we take.
    respond(r.ranges.total() ? 400 : 413);
    receiving_.erase(incoming_id_);
    incoming_ = Incoming::refused;
    incoming_message_ = nullptr;
    return;
  }
  if (config_.stream_incoming && config_.on_piece) {
    config_.on_piece(IncomingPiece{incoming_id_, r.content_type, piece, incoming_position_, r.ranges.total().value_or(0)});
    if (incoming_ != Incoming::deliver) return;  // refused from inside on_piece: `r` is gone
  } else if (config_.stream_incoming) {
    events_.push_back(SessionEvent{SessionEvent::Kind::chunk_received, incoming_id_, r.content_type,
                                   std::string(piece), 0, {}, incoming_position_, r.ranges.total().value_or(0)});
  } else {
    if (r.body.size() < end) r.body.resize(static_cast<std::size_t>(end));
    std::copy(piece.begin(), piece.end(), r.body.begin() + static_cast<std::ptrdiff_t>(incoming_position_ - 1));
  }
  if (r.ranges.add(incoming_position_, end) == ReceivedRanges::Result::too_fragmented) {
    respond(413);
    receiving_.erase(incoming_id_);
    incoming_ = Incoming::refused;
    incoming_message_ = nullptr;
    return;
  }
  incoming_position_ = end + 1;
}

void MsrpSession::on_end(EndFlag flag) {
  if (incoming_ != Incoming::deliver) return;
  incoming_ = Incoming::ignore;
  respond(200);
  Receiving& r = *std::exchange(incoming_message_, nullptr);
  if (flag == EndFlag::interrupted) {  // the sender abandoned the message
    receiving_.erase(incoming_id_);
    events_.push_back(SessionEvent{SessionEvent::Kind::interrupted, incoming_id_, {}, {}, 0,
                                   "the sender interrupted the message", 0, 0});
    return;
  }
  if (flag == EndFlag::complete) {
    r.last_seen = true;
    // An unknown total is known once the last chunk ended.
    if (!r.ranges.total()) r.ranges.set_total(incoming_position_ - 1);
  }
  if (r.last_seen && r.ranges.complete()) finish_receiving(incoming_id_);
}

void MsrpSession::finish_receiving(const std::string& message_id) {
  Receiving r = std::move(receiving_[message_id]);
  receiving_.erase(message_id);
  if (!config_.stream_incoming) r.body.resize(static_cast<std::size_t>(*r.ranges.total()));
  if (r.success_report == ReportRequest::yes) {
    const MessageHead& request = parser_.head();
    ByteRange range;
    range.start = 1;
    range.end = *r.ranges.total();
    range.total = *r.ranges.total();
    Status status;
    status.code = 200;
    const std::string transaction_id = make_transaction_id(random_());
    // Back to the sender along the path the SEND came (its From-Path).
    const MessageHead report = make_report(transaction_id, request.from_path, local_path_, message_id, range, status);
    append_message(output_, report, {}, EndFlag::complete);
  }
  events_.push_back(SessionEvent{SessionEvent::Kind::message_received, message_id, std::move(r.content_type),
                                 std::move(r.body), 0, {}, 0, *r.ranges.total()});
}

void MsrpSession::respond(std::uint16_t code) {
  const MessageHead& request = parser_.head();
  // §7.1.1: "no" asks for no response at all; "partial" for error responses only.
  const ReportRequest failure = request.failure_report.value_or(ReportRequest::yes);
  if (failure == ReportRequest::no || (failure == ReportRequest::partial && code == 200)) return;
  append_response(output_, request, code);
}

void MsrpSession::on_response() {
  const MessageHead& response = parser_.head();
  const auto open = open_transactions_.find(response.transaction_id);
  if (open == open_transactions_.end()) {
    // An error for a chunk of a Failure-Report: partial message: its id
    // starts with the message's tag.
    if (response.status_code < 300) return;  // late, after a timeout, or not ours
    for (auto& [id, sending] : sending_)
      if (!sending.tag.empty() && response.transaction_id.starts_with(sending.tag)) {
        fail_message(id, response.status_code, std::string(response.comment));
        return;
      }
    return;
  }
  const auto t = transactions_.begin() + static_cast<std::ptrdiff_t>(open->second - first_transaction_);
  const auto s = sending_.find(t->message_id);
  close_transaction(t);  // t is gone from here on
  if (s == sending_.end()) return;
  --s->second.unanswered;
  if (response.status_code >= 300) {
    fail_message(s->first, response.status_code, std::string(response.comment));
    return;
  }
  // Delivered once every chunk is accepted, unless a REPORT will say so.
  if (s->second.unanswered == 0 && s->second.all_chunks_made && s->second.success_report != ReportRequest::yes) {
    events_.push_back(SessionEvent{SessionEvent::Kind::delivered, s->first, {}, {}, response.status_code,
                                   std::string(response.comment), 0, 0});
    sending_.erase(s);
  }
}

void MsrpSession::close_transaction(std::deque<Transaction>::iterator t) {
  open_transactions_.erase(t->id);
  t->open = false;
  while (!transactions_.empty() && !transactions_.front().open) {
    transactions_.pop_front();
    ++first_transaction_;
  }
}

void MsrpSession::on_report() {
  incoming_ = Incoming::refused;  // its body, if any, is not a message
  const MessageHead& report = parser_.head();
  const auto s = sending_.find(report.message_id);
  if (s == sending_.end() || !report.status) return;
  if (report.status->code >= 300) {
    fail_message(s->first, report.status->code, std::string(report.status->comment));
    return;
  }
  if (s->second.success_report == ReportRequest::yes && s->second.unanswered == 0 && s->second.all_chunks_made) {
    events_.push_back(SessionEvent{SessionEvent::Kind::delivered, s->first, {}, {}, report.status->code,
                                   std::string(report.status->comment), 0, 0});
    sending_.erase(s);
  }
}

void MsrpSession::fail_message(const std::string& message_id, std::uint16_t code, std::string reason) {
  const auto s = sending_.find(message_id);
  if (s == sending_.end()) return;
  const std::string id = s->first;  // message_id may be a view of this key
  sending_.erase(s);
  for (auto t = transactions_.begin(); t != transactions_.end(); ++t) {
    if (t->open && t->message_id == id) {
      open_transactions_.erase(t->id);
      t->open = false;
    }
  }
  while (!transactions_.empty() && !transactions_.front().open) {
    transactions_.pop_front();
    ++first_transaction_;
  }
  events_.push_back(SessionEvent{SessionEvent::Kind::not_delivered, id, {}, {}, code, std::move(reason), 0, 0});
}

std::string MsrpSession::take_output() {
  make_stream_chunks();
  return std::exchange(output_, {});
}

void MsrpSession::take_output(std::string& out) {
  make_stream_chunks();
  out.clear();
  out.swap(output_);
}

std::vector<SessionEvent> MsrpSession::take_events() { return std::exchange(events_, {}); }

std::optional<TimePoint> MsrpSession::next_timeout() const {
  // The first transaction is open and has the earliest deadline.
  if (transactions_.empty()) return std::nullopt;
  return transactions_.front().deadline;
}

void MsrpSession::on_timeout(TimePoint now) {
  now_ = now;
  std::vector<std::string> expired;
  for (const Transaction& t : transactions_) {
    if (t.deadline > now) break;
    if (t.open) expired.push_back(t.message_id);
  }
  for (const std::string& message_id : expired) fail_message(message_id, 408, "no response");
}

void MsrpSession::on_connection_lost(std::string_view reason) {
  std::vector<std::string> pending;
  for (const auto& [id, s] : sending_) pending.push_back(id);
  for (const std::string& message_id : pending) fail_message(message_id, 0, std::string(reason));
  receiving_.clear();  // partial messages are never delivered
  incoming_ = Incoming::ignore;
  incoming_message_ = nullptr;
}

}  // namespace cosip::msrp
