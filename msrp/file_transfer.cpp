#include "msrp/file_transfer.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "sdp/attributes.hpp"

namespace cosip::msrp {
namespace {

constexpr char hex_digits[] = "0123456789ABCDEF";

// filename-string excludes NUL, CR, LF, '"' and '%'; those go
// percent-encoded (RFC 5547 §6).
std::string encode_name(std::string_view name) {
  std::string out;
  for (const char c : name) {
    if (c == '\0' || c == '\r' || c == '\n' || c == '"' || c == '%') {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += hex_digits[byte >> 4];
      out += hex_digits[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A '%' not followed by two hex digits stays as it is: the name is only a
// suggestion, sanitized on receipt anyway.
std::string decode_name(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '%' && i + 2 < name.size() && hex_value(name[i + 1]) >= 0 && hex_value(name[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(name[i + 1]) * 16 + hex_value(name[i + 2]));
      i += 2;
    } else {
      out += name[i];
    }
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

// A GotProgress when `done` bytes reached `next`, the next step, which
// then moves on.
void tell_progress(const FileDescription& file, std::uint64_t done, std::uint64_t& next,
                   std::vector<FileTransferNotification>& out) {
  if (done < next && done != file.size) return;
  const std::uint64_t step = std::max<std::uint64_t>(1, file.size / progress_steps);
  next = (done / step + 1) * step;
  FileTransferNotification p;
  p.name = "MSRPFileTransferGotProgress";
  p.file = file;
  p.transferred = done;
  out.push_back(std::move(p));
}

}  // namespace

std::string encode_file_selector(const FileDescription& file) {
  const std::string name = encode_name(file.name);
  sdp::FileSelector selector;
  selector.name = name;
  selector.type = file.content_type;
  selector.size = file.size;
  if (!file.sha1.empty()) {
    selector.hash_algorithm = "sha-1";
    selector.hash = file.sha1;
  }
  return sdp::encode(selector);
}

bool decode_file_selector(std::string_view value, FileDescription& out, std::string& error) {
  sdp::FileSelector selector;
  if (const sdp::AttrError e = sdp::decode_file_selector(value, selector)) {
    error = "malformed file-selector: " + e.message();
    return false;
  }
  if (!selector.size) {
    error = "the file-selector gives no size";
    return false;
  }
  out.name = decode_name(selector.name);
  out.content_type = selector.type.empty() ? "application/octet-stream" : std::string(selector.type);
  out.size = *selector.size;
  // Only SHA-1 is defined for the hash selector (RFC 5547 §6); another
  // algorithm is a hash we cannot check.
  out.sha1 = iequals(selector.hash_algorithm, "sha-1") ? std::string(selector.hash) : std::string();
  return true;
}

OutgoingFileTransfer::OutgoingFileTransfer(FileDescription file, Reader read, MsrpSession& session)
    : file_(std::move(file)), read_(std::move(read)), session_(session) {}

void OutgoingFileTransfer::start(TimePoint now) {
  if (!message_id_.empty()) return;
  OutgoingStream stream;
  stream.content_type = file_.content_type.empty() ? "application/octet-stream" : file_.content_type;
  stream.size = file_.size;
  // Delivery is the REPORT for the whole file; chunks are answered only
  // when refused (RFC 4975 §7.1.1 "partial"), a response per chunk would
  // say nothing more.
  stream.success_report = ReportRequest::yes;
  stream.failure_report = ReportRequest::partial;
  stream.read = [this](std::uint64_t offset, std::span<char> out) {
    const std::size_t n = read_(offset, out);
    handed_ = std::max(handed_, offset + n);
    tell_progress(file_, handed_, next_progress_, notifications_);
    return n;
  };
  message_id_ = session_.send_stream(std::move(stream), now);
}

void OutgoingFileTransfer::cancel(TimePoint now) {
  if (finished_ || message_id_.empty()) return;
  session_.interrupt(message_id_, now);
  on_session_events(session_.take_events());
}

void OutgoingFileTransfer::on_session_events(const std::vector<SessionEvent>& events) {
  for (const SessionEvent& e : events) {
    if (finished_ || e.message_id != message_id_) continue;
    if (e.kind == SessionEvent::Kind::delivered) notify("MSRPFileTransferDidDeliverFile", e.code, e.reason);
    if (e.kind == SessionEvent::Kind::not_delivered) notify("MSRPFileTransferDidNotDeliverFile", e.code, e.reason);
  }
}

void OutgoingFileTransfer::notify(std::string name, std::uint16_t code, std::string reason) {
  finished_ = true;
  FileTransferNotification n;
  n.name = std::move(name);
  n.file = file_;
  n.transferred = handed_;
  n.code = code;
  n.reason = std::move(reason);
  notifications_.push_back(std::move(n));
}

std::vector<FileTransferNotification> OutgoingFileTransfer::take_notifications() {
  return std::exchange(notifications_, {});
}

IncomingFileTransfer::IncomingFileTransfer(FileDescription file, std::unique_ptr<FileSink> sink, MsrpSession& session)
    : file_(std::move(file)), sink_(std::move(sink)), session_(session) {}

void IncomingFileTransfer::cancel() {
  if (finished_) return;
  if (!message_id_.empty()) session_.refuse(message_id_);
  fail("cancelled");
}

void IncomingFileTransfer::on_session_events(const std::vector<SessionEvent>& events) {
  for (const SessionEvent& e : events) {
    if (finished_) return;
    if (message_id_.empty() && e.kind != SessionEvent::Kind::delivered && e.kind != SessionEvent::Kind::not_delivered)
      message_id_ = e.message_id;
    if (e.message_id != message_id_) {
      // One file per stream (RFC 5547 §8): anything else is not taken.
      if (e.kind == SessionEvent::Kind::chunk_received) session_.refuse(e.message_id);
      continue;
    }
    switch (e.kind) {
      case SessionEvent::Kind::chunk_received: on_piece(e); break;
      case SessionEvent::Kind::message_received: {
        std::string error;
        const std::optional<std::string> path = sink_->finish(error);
        if (!path) {
          fail(std::move(error));
          break;
        }
        finished_ = true;
        FileTransferNotification n;
        n.name = "MSRPFileTransferGotFile";
        n.file = file_;
        n.path = *path;
        n.transferred = received_;
        notifications_.push_back(std::move(n));
        break;
      }
      case SessionEvent::Kind::interrupted: fail("the sender cancelled the transfer"); break;
      case SessionEvent::Kind::delivered:
      case SessionEvent::Kind::not_delivered: break;
    }
  }
}

void IncomingFileTransfer::on_piece(const SessionEvent& e) {
  if (e.total != 0 && e.total != file_.size) {
    session_.refuse(message_id_);
    fail("the peer sends " + std::to_string(e.total) + " bytes where its file-selector announced " +
         std::to_string(file_.size));
    return;
  }
  std::string error;
  const auto* data = reinterpret_cast<const std::uint8_t*>(e.body.data());
  if (!sink_->write(e.position, std::span<const std::uint8_t>(data, e.body.size()), error)) {
    session_.refuse(message_id_);
    fail(std::move(error));
    return;
  }
  received_ += e.body.size();
  tell_progress(file_, received_, next_progress_, notifications_);
}

void IncomingFileTransfer::on_connection_lost(std::string_view reason) {
  if (!finished_) fail("the connection was lost: " + std::string(reason));
}

void IncomingFileTransfer::fail(std::string reason) {
  finished_ = true;
  sink_->abort();
  FileTransferNotification n;
  n.name = "MSRPFileTransferDidFail";
  n.file = file_;
  n.transferred = received_;
  n.reason = std::move(reason);
  notifications_.push_back(std::move(n));
}

std::vector<FileTransferNotification> IncomingFileTransfer::take_notifications() {
  return std::exchange(notifications_, {});
}

}  // namespace cosip::msrp
