// Fuzz target for what a peer's bytes reach past the parser: MsrpSession
// (path checks, reassembly, responses, reports), with bit 7 of byte 0
// behind a SessionMux that claims the session on its first message (as a
// listener's connection does), the chat stream (CPIM and
// is-composing unwrapped) and the file-transfer stream (its pieces into a
// sink in memory), and the file-selector a peer's SDP carries. Input: byte 0
// picks the session's options and seeds the split points; then a line that
// is a file-selector value; the rest is the stream from the peer. Besides
// memory errors it checks that
// - everything the session (and the mux) writes back parses, whole, as
//   MSRP messages; the mux hands on only the session's messages;
// - the sink is only written inside the announced size;
// - the file transfer ends at most once.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "msrp/chat.hpp"
#include "msrp/file_transfer.hpp"
#include "msrp/parser.hpp"
#include "msrp/session.hpp"
#include "msrp/session_mux.hpp"

namespace {

using namespace cosip::msrp;

void check(bool ok, int line = __builtin_LINE()) {
  if (ok) return;
  std::fprintf(stderr, "msrp_session fuzz check failed at line %d\n", line);
  std::abort();
}

// The file in memory, its bounds checked.
class MemorySink final : public FileSink {
 public:
  explicit MemorySink(std::uint64_t size) : size_(size) {}
  bool write(std::uint64_t start, std::span<const std::uint8_t> data, std::string& error) override {
    check(start >= 1);
    if (start - 1 + data.size() > size_) {
      error = "outside";
      return false;
    }
    written_ += data.size();
    return true;
  }
  std::optional<std::string> finish(std::string&) override { return std::string("memory"); }
  void abort() override {}

 private:
  std::uint64_t size_;
  std::uint64_t written_ = 0;
};

// Every byte of `out` makes whole messages: no error, nothing left over.
void check_output(std::string_view out) {
  StreamParser parser;
  bool inside = false;
  for (;;) {
    const StreamParser::Result r = parser.feed(out);
    out.remove_prefix(r.used);
    check(r.event != Event::error);
    if (r.event == Event::need_more) break;
    if (r.event == Event::head) inside = true;
    if (r.event == Event::end) inside = false;
  }
  check(out.empty() && !inside);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t options = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t newline = rest.find('\n');
  const std::string_view selector_value = newline == std::string_view::npos ? std::string_view() : rest.substr(0, newline);
  if (newline != std::string_view::npos) rest.remove_prefix(newline + 1);

  FileDescription file;
  std::string error;
  const bool have_file = decode_file_selector(selector_value, file, error);
  if (have_file) {
    // What was read writes back into a selector that reads the same.
    FileDescription again;
    check(decode_file_selector(encode_file_selector(file), again, error));
    check(again.name == file.name && again.size == file.size && again.sha1 == file.sha1);
  }

  SessionConfig config;
  config.local_uri = "msrp://b.example.com:1/s1;tcp";
  config.remote_path = {"msrp://a.example.com:2/s2;tcp"};
  config.stream_incoming = (options & 1) != 0;
  config.max_message_size = (options & 2) ? 64 : 1 << 20;
  config.limits.max_body_size = (options & 4) ? 16 : 64 * 1024;
  std::uint64_t seed = options;
  MsrpSession session(config, [&seed] { return seed += 0x9e3779b97f4a7c15ULL; });
  ChatStream chat(ChatConfig{{"sip:b@example.com", "B"}, {"sip:a@example.com", "A"}, {"message/cpim", "text/plain"}, {}},
                  session);
  const std::uint64_t file_size = have_file ? file.size : 10;
  IncomingFileTransfer transfer(file, std::make_unique<MemorySink>(file_size), session);

  const TimePoint t0{std::chrono::seconds(1)};
  const std::size_t step = 1 + (options >> 3) * 7;
  bool ended = false;
  const bool muxed = (options & 0x80) != 0;
  SessionMux mux(config.limits);
  mux.set_claim([&mux](std::string_view id) {
    if (id == "s1") mux.add_session(id);
  });
  bool session_ok = true;
  const auto into_session = [&](std::string_view id, std::string_view bytes) {
    check(id == "s1");
    if (session_ok) session_ok = session.on_bytes(bytes, t0);
  };
  for (std::size_t at = 0; at < rest.size(); at += step) {
    const std::string_view piece = rest.substr(at, step);
    bool ok = true;
    if (muxed) {
      ok = mux.on_bytes(piece, into_session) && session_ok;
      check_output(mux.take_output());
    } else {
      ok = session.on_bytes(piece, t0);
    }
    const std::vector<SessionEvent> events = session.take_events();
    if (config.stream_incoming) {
      transfer.on_session_events(events);
      if ((options & 0x40) && at > rest.size() / 2) transfer.cancel();
    } else {
      chat.on_session_events(events);
    }
    for (const FileTransferNotification& n : transfer.take_notifications()) {
      if (n.name == "MSRPFileTransferGotProgress") continue;
      check(!ended);
      ended = true;
    }
    check_output(session.take_output());
    if (!ok) break;
  }
  session.on_timeout(t0 + std::chrono::minutes(5));
  session.on_connection_lost("fuzz");
  transfer.on_connection_lost("fuzz");
  return 0;
}
