// The file-transfer stream of the SIP SIMPLE middleware API
// (MSRPFileTransfer, RFC 5547) over one MsrpSession: one file per stream,
// described in SDP by its file-selector (name, type, size, SHA-1), sent as
// one MSRP message streamed from its source, received piece by piece into a
// FileSink so that memory does not grow with the file. Either side may
// cancel: the sender ends the message with '#', the receiver answers 413
// (RFC 4975 §7.1.1). Notifications carry the middleware API's names. Pure:
// the source and the sink are the shell's.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "msrp/session.hpp"

namespace cosip::msrp {

// What a file-selector says of a file (RFC 5547 §5).
struct FileDescription {
  std::string name;          // as the sender names it; sanitized only on receipt
  std::string content_type;  // "application/octet-stream" when unknown
  std::uint64_t size = 0;
  std::string sha1;  // "72:24:5F:...", "" when not announced
};

// The a=file-selector value for `file`: the name percent-encoded where the
// grammar forbids a byte (RFC 5547 §6).
std::string encode_file_selector(const FileDescription& file);
// `value` of a=file-selector read into `out`; false with `error` set when it
// is malformed or lacks the size a receiver needs to bound the transfer.
bool decode_file_selector(std::string_view value, FileDescription& out, std::string& error);

// Where received bytes go (FileReceiver writes a temporary file).
class FileSink {
 public:
  virtual ~FileSink() = default;
  // Bytes start, start + 1, ... (1-based). False with `error` set: the
  // transfer has failed.
  virtual bool write(std::uint64_t start, std::span<const std::uint8_t> data, std::string& error) = 0;
  // Every byte arrived: the file's final path, or none with `error` set
  // (the hash differs, bytes are missing).
  virtual std::optional<std::string> finish(std::string& error) = 0;
  // The transfer failed or was cancelled: nothing may stay behind.
  virtual void abort() = 0;
};

struct FileTransferNotification {
  // MSRPFileTransferDidDeliverFile, MSRPFileTransferDidNotDeliverFile,
  // MSRPFileTransferGotFile, MSRPFileTransferDidFail,
  // MSRPFileTransferGotProgress.
  std::string name;
  FileDescription file;
  std::string path;              // GotFile: where the file is now
  std::uint64_t transferred = 0;  // GotProgress: bytes so far
  std::uint16_t code = 0;         // Did(Not)DeliverFile, DidFail: the MSRP status, 0 when none
  std::string reason;
};

// Progress is told when it crosses each step of this many parts of the file.
inline constexpr std::uint64_t progress_steps = 100;

class OutgoingFileTransfer {
 public:
  // read(offset, out) fills `out` with the file's bytes from `offset`
  // (0-based) on and returns how many (fewer only at its end).
  using Reader = std::function<std::size_t(std::uint64_t offset, std::span<char> out)>;
  OutgoingFileTransfer(FileDescription file, Reader read, MsrpSession& session);

  // Queues the file as one message, a success report asked for so that
  // delivery means the receiver has every byte. Once.
  void start(TimePoint now);
  // Abandons the transfer: DidNotDeliverFile with "cancelled".
  void cancel(TimePoint now);

  void on_session_events(const std::vector<SessionEvent>& events);
  // What happened, in order; empties it. Progress counts the bytes handed
  // to the connection, which takes them only as it drains.
  std::vector<FileTransferNotification> take_notifications();

  bool finished() const { return finished_; }

 private:
  void notify(std::string name, std::uint16_t code, std::string reason);

  FileDescription file_;
  Reader read_;
  MsrpSession& session_;
  std::string message_id_;
  std::uint64_t handed_ = 0;  // bytes read for chunks
  std::uint64_t next_progress_ = 0;
  bool finished_ = false;
  std::vector<FileTransferNotification> notifications_;
};

class IncomingFileTransfer {
 public:
  // `session` must hand bodies out as they come (stream_incoming) and take
  // a message of the file's size.
  IncomingFileTransfer(FileDescription file, std::unique_ptr<FileSink> sink, MsrpSession& session);

  // Stops receiving: the peer's chunks get 413, the sink's data goes;
  // DidFail with "cancelled".
  void cancel();
  void on_session_events(const std::vector<SessionEvent>& events);
  // The connection is gone before the file is whole: DidFail.
  void on_connection_lost(std::string_view reason);
  std::vector<FileTransferNotification> take_notifications();

  bool finished() const { return finished_; }

 private:
  void on_piece(const SessionEvent& e);
  void fail(std::string reason);

  FileDescription file_;
  std::unique_ptr<FileSink> sink_;
  MsrpSession& session_;
  std::string message_id_;  // the file's message, once its first chunk came
  std::uint64_t received_ = 0;
  std::uint64_t next_progress_ = 0;
  bool finished_ = false;
  std::vector<FileTransferNotification> notifications_;
};

}  // namespace cosip::msrp
