// MSRP file-transfer throughput over loopback TCP, side by side in one run:
//   (a) cosip: two MsrpConnections (msrp/msrp_connection.hpp), the sender
//       streaming the bytes from memory (send_stream), the receiver handing
//       the pieces out (stream_incoming, on_piece: views, no copies) to a
//       sink that only counts them, a 200 going back for every chunk
//       (Failure-Report: yes, the default of RFC 4975 §7.1.1);
//   (b) the anchor: the same bytes framed as MSRP chunks of the same size,
//       batched into writes of about 256 KiB on a bare blocking socket (as
//       cosip batches its output) and read by a bare receiver that finds
//       each end-line with memmem; no responses.
// At 2 KiB chunks (RFC 4975's interruptibility threshold) and 64 KiB. The
// sender runs on core 0, the receiver on core 1; the CPU time each side
// used is printed too (per KiB). Peak RSS is read after the
// cosip runs of a small and of the full size, before the anchors run:
// equal means the memory does not grow with the file.
//   msrp_throughput_bench [--bytes N] [--quick] [--in-memory] [--chunk N] [--only cosip|anchor [--tls]]
// --in-memory runs the two sessions alone in one thread, without sockets
// (for callgrind: the instructions the protocol costs per byte);
// --only cosip|anchor runs that side's TCP transfers alone (cosip with
// partial reports), for perf or strace; with --tls its TLS transfers.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/ssl/context.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "bench/loopback.hpp"
#include "bench/pinning.hpp"
#include "msrp/msrp_connection.hpp"
#include "tests/unit/transport/test_pki.hpp"

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using cosip::msrp::IncomingPiece;
using cosip::msrp::MsrpConnection;
using cosip::msrp::MsrpSession;
using cosip::msrp::OutgoingStream;
using cosip::msrp::ReportRequest;
using cosip::msrp::SessionConfig;
using cosip::msrp::SessionEvent;
using Clock = std::chrono::steady_clock;

namespace {

const std::string sender_uri = "msrp://127.0.0.1:2855/senderabcd;tcp";
const std::string receiver_uri = "msrp://127.0.0.1:2856/receiverabcd;tcp";

// The file's bytes: a repeating pattern, read from memory.
const std::vector<char>& pattern() {
  static const std::vector<char> p = [] {
    std::vector<char> v(1 << 20);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<char>('A' + i * 31 % 26);
    return v;
  }();
  return p;
}

void fill(std::uint64_t offset, char* out, std::size_t n) {
  const std::vector<char>& p = pattern();
  while (n > 0) {
    const std::size_t at = static_cast<std::size_t>(offset % p.size());
    const std::size_t take = std::min(n, p.size() - at);
    std::memcpy(out, p.data() + at, take);
    out += take;
    offset += take;
    n -= take;
  }
}

// CPU seconds the calling thread has used.
double thread_cpu_seconds() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// A run: its wall-clock seconds (0 when it failed) and the CPU seconds of
// each side, which other processes on the machine do not inflate.
struct Run {
  double seconds = 0;
  double sender_cpu = 0;
  double receiver_cpu = 0;
};

long peak_rss_kib() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

std::uint64_t random_id() {
  static std::uint64_t n = 0x12345678;
  return n += 0x9e3779b97f4a7c15ULL;
}

// The sending session's config: `sender` to `receiver`, `chunk` bytes a
// SEND, output made up to 256 KiB (or four chunks) ahead.
SessionConfig sender_config(const std::string& sender, const std::string& receiver, std::size_t chunk) {
  SessionConfig c;
  c.local_uri = sender;
  c.remote_path = {receiver};
  c.chunk_size = chunk;
  c.output_budget = std::max<std::size_t>(256 * 1024, 4 * chunk);
  return c;
}

// The receiving session's: bodies streamed out, one message of `bytes`.
SessionConfig receiver_config(const std::string& sender, const std::string& receiver, std::uint64_t bytes,
                              std::size_t chunk) {
  SessionConfig c;
  c.local_uri = receiver;
  c.remote_path = {sender};
  c.stream_incoming = true;
  c.max_message_size = bytes;
  c.limits.max_body_size = chunk;
  return c;
}

// The file: `bytes` of the pattern, asking for a success report and
// `failure` reports.
OutgoingStream file_stream(std::uint64_t bytes, ReportRequest failure) {
  OutgoingStream stream;
  stream.content_type = "application/octet-stream";
  stream.size = bytes;
  stream.read = [](std::uint64_t offset, std::span<char> out) {
    fill(offset, out.data(), out.size());
    return out.size();
  };
  stream.success_report = ReportRequest::yes;
  stream.failure_report = failure;
  return stream;
}

// (a) cosip: `bytes` in chunks of `chunk`, asking for `failure` reports.
Run run_cosip(std::uint64_t bytes, std::size_t chunk, ReportRequest failure) {
  Run run;
  asio::io_context send_io, receive_io;
  tcp::acceptor acceptor(receive_io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket client(send_io);
  client.connect(acceptor.local_endpoint());
  tcp::socket server = acceptor.accept();

  const SessionConfig sc = sender_config(sender_uri, receiver_uri, chunk);
  SessionConfig rc = receiver_config(sender_uri, receiver_uri, bytes, chunk);
  std::uint64_t received = 0;
  rc.on_piece = [&](const IncomingPiece& piece) { received += piece.bytes.size(); };

  bool delivered = false, failed = false;
  auto receiver = MsrpConnection::create(std::move(server), std::make_unique<MsrpSession>(rc, random_id),
                                         {[](const SessionEvent&) {}, [](const std::string&) {}});
  auto sender = MsrpConnection::create(
      std::move(client), std::make_unique<MsrpSession>(sc, random_id),
      {[&](const SessionEvent& e) {
         if (e.kind == SessionEvent::Kind::delivered) delivered = true;
         if (e.kind == SessionEvent::Kind::not_delivered) failed = true;
         if (delivered || failed) send_io.stop();
       },
       [&](const std::string&) {
         failed = true;
         send_io.stop();
       }});
  receiver->start();
  sender->start();
  std::thread receive_thread([&] {
    cosip::bench::pin_to_core(1);
    const double cpu = thread_cpu_seconds();
    auto guard = asio::make_work_guard(receive_io);
    receive_io.run();
    run.receiver_cpu = thread_cpu_seconds() - cpu;
  });
  cosip::bench::pin_to_core(0);
  const OutgoingStream stream = file_stream(bytes, failure);
  const auto start = Clock::now();
  const double cpu = thread_cpu_seconds();
  sender->send_stream(stream);
  send_io.run();
  run.sender_cpu = thread_cpu_seconds() - cpu;
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const bool ok = delivered && !failed && received == bytes;
  sender->close();
  asio::post(receive_io, [&] {
    receiver->close();
    receive_io.stop();
  });
  receive_thread.join();
  if (!ok) {
    std::fprintf(stderr, "cosip run failed: delivered %d, received %llu of %llu\n", delivered,
                 static_cast<unsigned long long>(received), static_cast<unsigned long long>(bytes));
    return run;
  }
  run.seconds = seconds;
  return run;
}

// The two sessions alone, in one thread, bytes handed from one to the
// other in reads of 256 KiB, with Failure-Report: partial as file transfer
// sends: what the protocol costs without sockets (and
// what callgrind can count). Seconds; 0 when it failed.
double run_in_memory(std::uint64_t bytes, std::size_t chunk) {
  const SessionConfig sc = sender_config(sender_uri, receiver_uri, chunk);
  SessionConfig rc = receiver_config(sender_uri, receiver_uri, bytes, chunk);
  std::uint64_t received = 0;
  rc.on_piece = [&](const IncomingPiece& piece) { received += piece.bytes.size(); };
  MsrpSession sender(sc, random_id);
  MsrpSession receiver(rc, random_id);
  const OutgoingStream stream = file_stream(bytes, ReportRequest::partial);  // as file transfer sends
  const auto start = Clock::now();
  const auto now = Clock::now();
  sender.send_stream(stream, now);
  bool delivered = false;
  std::string out, back;
  while (!delivered) {
    sender.take_output(out);
    if (out.empty()) return 0;
    for (std::size_t at = 0; at < out.size(); at += 256 * 1024)
      if (!receiver.on_bytes(std::string_view(out).substr(at, 256 * 1024), now)) return 0;
    receiver.take_events();
    receiver.take_output(back);
    if (!sender.on_bytes(back, now)) return 0;
    for (const SessionEvent& e : sender.take_events()) {
      if (e.kind == SessionEvent::Kind::not_delivered) return 0;
      if (e.kind == SessionEvent::Kind::delivered) delivered = true;
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return received == bytes ? seconds : 0;
}

// One chunk of the anchors' transfer, framed as MSRP (bytes sent+1 ..
// sent+n of `bytes`), at the end of `batch`.
void append_anchor_chunk(std::string& batch, unsigned long long transaction, std::uint64_t sent, std::size_t n,
                         std::uint64_t bytes) {
  char head[512];
  char end_line[64];
  const int head_size = std::snprintf(head, sizeof head,
                                      "MSRP t%llx SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\nMessage-ID: anchor1234\r\n"
                                      "Byte-Range: %llu-%llu/%llu\r\nContent-Type: application/octet-stream\r\n\r\n",
                                      transaction, receiver_uri.c_str(), sender_uri.c_str(),
                                      static_cast<unsigned long long>(sent + 1), static_cast<unsigned long long>(sent + n),
                                      static_cast<unsigned long long>(bytes));
  const int end_size = std::snprintf(end_line, sizeof end_line, "\r\n-------t%llx%c\r\n", transaction,
                                     sent + n == bytes ? '$' : '+');
  batch.append(head, static_cast<std::size_t>(head_size));
  const std::size_t at = batch.size();
  batch.resize(at + n);
  fill(sent, batch.data() + at, n);
  batch.append(end_line, static_cast<std::size_t>(end_size));
}

// (b) the anchor: the same framing over bare sockets.
Run run_anchor(std::uint64_t bytes, std::size_t chunk) {
  Run run;
  const cosip::bench::LoopbackPair pair = cosip::bench::loopback_pair();
  if (!pair.ok()) return run;
  const int sender = pair.sender;
  const int receiver = pair.receiver;

  std::uint64_t counted = 0;
  std::thread receive_thread([&] {
    cosip::bench::pin_to_core(1);
    const double cpu = thread_cpu_seconds();
    std::vector<char> buffer(1 << 20);
    std::size_t have = 0;
    for (;;) {
      const ssize_t n = ::read(receiver, buffer.data() + have, buffer.size() - have);
      if (n <= 0) break;
      have += static_cast<std::size_t>(n);
      std::size_t at = 0;
      for (;;) {  // whole chunks in buffer[at, have)
        const char* base = buffer.data() + at;
        const std::size_t left = have - at;
        const void* head_end = ::memmem(base, left, "\r\n\r\n", 4);
        if (head_end == nullptr) break;
        const char* id = base + 5;  // "MSRP <id> SEND"
        const char* id_end = static_cast<const char*>(std::memchr(id, ' ', left - 5));
        std::string end_line = "\r\n-------" + std::string(id, id_end);
        const char* body = static_cast<const char*>(head_end) + 4;
        const void* end = ::memmem(body, static_cast<std::size_t>(base + left - body), end_line.data(), end_line.size());
        if (end == nullptr || static_cast<const char*>(end) + end_line.size() + 3 > base + left) break;
        counted += static_cast<std::uint64_t>(static_cast<const char*>(end) - body);
        at = static_cast<std::size_t>(static_cast<const char*>(end) + end_line.size() + 3 - buffer.data());
      }
      std::memmove(buffer.data(), buffer.data() + at, have - at);
      have -= at;
    }
    run.receiver_cpu = thread_cpu_seconds() - cpu;
  });
  cosip::bench::pin_to_core(0);
  // Chunks are framed into a batch of about 256 KiB written at once, as
  // cosip's sender batches its output.
  std::string batch;
  batch.reserve(256 * 1024 + chunk + 512);
  const auto start = Clock::now();
  const double cpu = thread_cpu_seconds();
  std::uint64_t sent = 0;
  unsigned long long transaction = 0x1000000;
  while (sent < bytes) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk, bytes - sent));
    ++transaction;
    append_anchor_chunk(batch, transaction, sent, n, bytes);
    sent += n;
    if (batch.size() >= 256 * 1024 || sent == bytes) {
      for (std::size_t written = 0; written < batch.size();) {
        const ssize_t w = ::write(sender, batch.data() + written, batch.size() - written);
        if (w <= 0) std::abort();  // the receiver thread still runs: no way back
        written += static_cast<std::size_t>(w);
      }
      batch.clear();
    }
  }
  run.sender_cpu = thread_cpu_seconds() - cpu;
  ::shutdown(sender, SHUT_WR);
  receive_thread.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  ::close(sender);
  ::close(receiver);
  if (counted == bytes) run.seconds = seconds;
  return run;
}

}  // namespace

// ---- TLS -------------------------------------------------------------------
// The same transfer over TLS 1.3, both sides held to one cipher suite
// (TLS_AES_128_GCM_SHA256), the receiver's certificate issued at start by a
// CA made for the run (tests/unit/transport/test_pki) and verified:
//   (c) cosip: the two MsrpConnections over TLS (msrps), as in (a);
//   (d) the anchor: the same MSRP framing as (b), written with SSL_write in
//       batches of about 256 KiB and read with SSL_read on a bare socket
//       pair (OpenSSL directly, blocking); no responses.
// Both clocks start before the handshake.
namespace {

constexpr const char* tls_suite = "TLS_AES_128_GCM_SHA256";

struct BenchPki {
  cosip::test::TestPki ca;
  cosip::test::CertFiles receiver = ca.issue("receiver", "IP:127.0.0.1");
};

void hold_to_suite(SSL_CTX* ctx) {
  ::SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  ::SSL_CTX_set_ciphersuites(ctx, tls_suite);
}

// (c) cosip over TLS: seconds for `bytes` in chunks of `chunk`; 0 when it failed.
double run_cosip_tls(const BenchPki& pki, std::uint64_t bytes, std::size_t chunk, ReportRequest failure) {
  cosip::msrp::TlsConfig client_config;
  client_config.ca_file = pki.ca.ca_file();
  cosip::msrp::TlsConfig server_config;
  server_config.certificate_file = pki.receiver.certificate_file;
  server_config.private_key_file = pki.receiver.private_key_file;
  const auto client_tls = cosip::msrp::TlsContext::client(client_config);
  const auto server_tls = cosip::msrp::TlsContext::server(server_config);
  hold_to_suite(client_tls->native().native_handle());
  hold_to_suite(server_tls->native().native_handle());

  asio::io_context send_io, receive_io;
  tcp::acceptor acceptor(receive_io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket client(send_io);
  client.connect(acceptor.local_endpoint());
  tcp::socket server = acceptor.accept();

  const std::string sender_tls_uri = "msrps://127.0.0.1:2855/senderabcd;tcp";
  const std::string receiver_tls_uri = "msrps://127.0.0.1:2856/receiverabcd;tcp";
  const SessionConfig sc = sender_config(sender_tls_uri, receiver_tls_uri, chunk);
  SessionConfig rc = receiver_config(sender_tls_uri, receiver_tls_uri, bytes, chunk);
  std::uint64_t received = 0;
  rc.on_piece = [&](const IncomingPiece& piece) { received += piece.bytes.size(); };

  bool delivered = false, failed = false;
  std::string reason;
  auto receiver = MsrpConnection::create(std::move(server), server_tls, "", std::make_unique<MsrpSession>(rc, random_id),
                                         {[](const SessionEvent&) {}, [](const std::string&) {}});
  auto sender = MsrpConnection::create(
      std::move(client), client_tls, "", std::make_unique<MsrpSession>(sc, random_id),
      {[&](const SessionEvent& e) {
         if (e.kind == SessionEvent::Kind::delivered) delivered = true;
         if (e.kind == SessionEvent::Kind::not_delivered) failed = true;
         if (delivered || failed) send_io.stop();
       },
       [&](const std::string& why) {
         failed = true;
         reason = why;
         send_io.stop();
       }});
  std::thread receive_thread([&] {
    cosip::bench::pin_to_core(1);
    auto guard = asio::make_work_guard(receive_io);
    receive_io.run();
  });
  cosip::bench::pin_to_core(0);
  const OutgoingStream stream = file_stream(bytes, failure);
  const auto start = Clock::now();
  asio::post(receive_io, [&] { receiver->start(); });
  sender->start();
  sender->send_stream(stream);
  send_io.run();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const bool ok = delivered && !failed && received == bytes;
  sender->close();
  asio::post(receive_io, [&] {
    receiver->close();
    receive_io.stop();
  });
  receive_thread.join();
  if (!ok) {
    std::fprintf(stderr, "cosip TLS run failed: %s; delivered %d, received %llu of %llu\n", reason.c_str(), delivered,
                 static_cast<unsigned long long>(received), static_cast<unsigned long long>(bytes));
    return 0;
  }
  return seconds;
}

// Body bytes of the whole MSRP chunks in buffer[0, have), found by their
// end-lines as (b) does; `consumed` says where the first incomplete chunk
// starts. SSL_read gives one record (16 KiB) at a time, so the search for
// an incomplete chunk's end-line resumes at `resume` (an offset into the
// buffer, kept by the caller) instead of scanning the body again.
std::uint64_t count_chunk_bodies(const char* buffer, std::size_t have, std::size_t& consumed, std::size_t& resume) {
  std::uint64_t counted = 0;
  std::size_t at = 0;
  for (;;) {
    const char* base = buffer + at;
    const std::size_t left = have - at;
    const void* head_end = ::memmem(base, left, "\r\n\r\n", 4);
    if (head_end == nullptr) break;
    const char* id = base + 5;  // "MSRP <id> SEND"
    const char* id_end = static_cast<const char*>(std::memchr(id, ' ', left - 5));
    const std::string end_line = "\r\n-------" + std::string(id, id_end);
    const char* body = static_cast<const char*>(head_end) + 4;
    const char* from = std::max(body, buffer + resume);
    const void* end = ::memmem(from, static_cast<std::size_t>(base + left - from), end_line.data(), end_line.size());
    if (end == nullptr || static_cast<const char*>(end) + end_line.size() + 3 > base + left) {
      // Not yet: the end-line may begin in the last bytes searched.
      resume = std::max(static_cast<std::size_t>(body - buffer), have > end_line.size() + 3 ? have - end_line.size() - 3 : 0);
      break;
    }
    counted += static_cast<std::uint64_t>(static_cast<const char*>(end) - body);
    at = static_cast<std::size_t>(static_cast<const char*>(end) + end_line.size() + 3 - buffer);
    resume = at;
  }
  consumed = at;
  resume = resume > at ? resume - at : 0;
  return counted;
}

// (d) the anchor over TLS.
double run_anchor_tls(const BenchPki& pki, std::uint64_t bytes, std::size_t chunk) {
  SSL_CTX* client_ctx = ::SSL_CTX_new(TLS_client_method());
  SSL_CTX* server_ctx = ::SSL_CTX_new(TLS_server_method());
  hold_to_suite(client_ctx);
  hold_to_suite(server_ctx);
  ::SSL_CTX_set_verify(client_ctx, SSL_VERIFY_PEER, nullptr);
  ::SSL_CTX_load_verify_locations(client_ctx, pki.ca.ca_file().c_str(), nullptr);
  ::SSL_CTX_use_certificate_chain_file(server_ctx, pki.receiver.certificate_file.c_str());
  ::SSL_CTX_use_PrivateKey_file(server_ctx, pki.receiver.private_key_file.c_str(), SSL_FILETYPE_PEM);

  const cosip::bench::LoopbackPair pair = cosip::bench::loopback_pair();
  if (!pair.ok()) return 0;
  const int sender = pair.sender;
  const int receiver = pair.receiver;
  SSL* send_ssl = ::SSL_new(client_ctx);
  SSL* receive_ssl = ::SSL_new(server_ctx);
  ::SSL_set_fd(send_ssl, sender);
  ::SSL_set_fd(receive_ssl, receiver);
  ::X509_VERIFY_PARAM_set1_ip_asc(::SSL_get0_param(send_ssl), "127.0.0.1");

  const auto start = Clock::now();
  std::uint64_t counted = 0;
  bool receiver_ok = false;
  std::thread receive_thread([&] {
    cosip::bench::pin_to_core(1);
    if (::SSL_accept(receive_ssl) != 1) return;
    std::vector<char> buffer(1 << 20);
    std::size_t have = 0;
    std::size_t resume = 0;
    for (;;) {
      const int n = ::SSL_read(receive_ssl, buffer.data() + have, static_cast<int>(buffer.size() - have));
      if (n <= 0) break;
      have += static_cast<std::size_t>(n);
      std::size_t consumed = 0;
      counted += count_chunk_bodies(buffer.data(), have, consumed, resume);
      std::memmove(buffer.data(), buffer.data() + consumed, have - consumed);
      have -= consumed;
    }
    receiver_ok = true;
  });
  cosip::bench::pin_to_core(0);
  bool ok = ::SSL_connect(send_ssl) == 1;
  std::string batch;
  batch.reserve(256 * 1024 + chunk + 512);
  std::uint64_t sent = 0;
  unsigned long long transaction = 0x1000000;
  while (ok && sent < bytes) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk, bytes - sent));
    ++transaction;
    append_anchor_chunk(batch, transaction, sent, n, bytes);
    sent += n;
    if (batch.size() >= 256 * 1024 || sent == bytes) {
      ok = ::SSL_write(send_ssl, batch.data(), static_cast<int>(batch.size())) == static_cast<int>(batch.size());
      batch.clear();
    }
  }
  if (ok) ::SSL_shutdown(send_ssl);  // close_notify: the reader's SSL_read returns 0
  ::shutdown(sender, SHUT_WR);
  receive_thread.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  ::SSL_free(send_ssl);
  ::SSL_free(receive_ssl);
  ::SSL_CTX_free(client_ctx);
  ::SSL_CTX_free(server_ctx);
  ::close(sender);
  ::close(receiver);
  if (!ok || !receiver_ok || counted != bytes) {
    std::fprintf(stderr, "TLS anchor run failed: received %llu of %llu\n", static_cast<unsigned long long>(counted),
                 static_cast<unsigned long long>(bytes));
    return 0;
  }
  return seconds;
}

void run_tls_section(std::uint64_t bytes) {
  const BenchPki pki;
  std::printf("MSRP over loopback TLS 1.3 (%s on both sides), sender on core 0, receiver on core 1\n", tls_suite);
  std::printf("%-8s %-8s %11s %11s %14s %6s\n", "chunk", "Failure-", "cosip GB/s", "anchor GB/s", "bytes", "ratio");
  std::printf("%-8s %-8s\n", "", "Report");
  for (const std::size_t chunk : {std::size_t{2048}, std::size_t{64 * 1024}}) {
    const double partial = run_cosip_tls(pki, bytes, chunk, ReportRequest::partial);
    const double yes = run_cosip_tls(pki, bytes, chunk, ReportRequest::yes);
    const double b = run_anchor_tls(pki, bytes, chunk);
    const double gb = b > 0 ? static_cast<double>(bytes) / b / 1e9 : 0;
    for (const auto& [a, name] : {std::pair{partial, "partial"}, std::pair{yes, "yes"}}) {
      const double ga = a > 0 ? static_cast<double>(bytes) / a / 1e9 : 0;
      std::printf("%-8zu %-8s %11.3f %11.3f %14llu %6.2f\n", chunk, name, ga, gb,
                  static_cast<unsigned long long>(bytes), gb > 0 ? ga / gb : 0);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t bytes = 1ULL << 30;
  bool in_memory = false;
  std::string only;  // "cosip" or "anchor": that side's TCP runs alone, for perf or strace
  bool tls = false;  // with --only: the TLS runs instead
  std::vector<std::size_t> chunks = {2048, 64 * 1024};
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--chunk") == 0 && i + 1 < argc) chunks = {std::strtoull(argv[++i], nullptr, 10)};
    if (std::strcmp(argv[i], "--quick") == 0) bytes = 64ULL << 20;
    if (std::strcmp(argv[i], "--in-memory") == 0) in_memory = true;
    if (std::strcmp(argv[i], "--tls") == 0) tls = true;
    if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) only = argv[++i];
    if (std::strcmp(argv[i], "--bytes") == 0 && i + 1 < argc) bytes = std::strtoull(argv[++i], nullptr, 10);
  }
  if (!only.empty() && tls) {
    const BenchPki pki;
    for (const std::size_t chunk : chunks) {
      if (only == "cosip") run_cosip_tls(pki, bytes, chunk, ReportRequest::partial);
      if (only == "anchor") run_anchor_tls(pki, bytes, chunk);
    }
    return 0;
  }
  if (!only.empty()) {
    for (const std::size_t chunk : chunks) {
      if (only == "cosip") run_cosip(bytes, chunk, ReportRequest::partial);
      if (only == "anchor") run_anchor(bytes, chunk);
    }
    return 0;
  }
  if (in_memory) {
    std::printf("MSRP sessions in memory, one thread, no sockets\n%-8s %14s %14s\n", "chunk", "cosip GB/s", "bytes");
    for (const std::size_t chunk : chunks) {
      const double a = run_in_memory(bytes, chunk);
      std::printf("%-8zu %14.3f %14llu\n", chunk, a > 0 ? static_cast<double>(bytes) / a / 1e9 : 0,
                  static_cast<unsigned long long>(bytes));
    }
    return 0;
  }
  const std::uint64_t small = std::min<std::uint64_t>(bytes, 64ULL << 20);
  std::printf("MSRP over loopback TCP, sender on core 0, receiver on core 1\n");
  // Failure-Report: partial is what file transfer sends (only refused
  // chunks are answered); yes has every chunk answered with a 200.
  const std::pair<ReportRequest, const char*> modes[] = {{ReportRequest::partial, "partial"}, {ReportRequest::yes, "yes"}};
  // Peak RSS after small transfers, then after the full ones.
  for (const auto& [failure, name] : modes) {
    run_cosip(small, 64 * 1024, failure);
    run_cosip(small, 2048, failure);
  }
  const long rss_small = peak_rss_kib();
  // CPU ns per KiB of each side: what the protocol costs even when other
  // processes share the cores and stretch the wall-clock time.
  std::printf("%-8s %-8s %11s %11s %14s %6s   %s\n", "chunk", "Failure-", "cosip GB/s", "anchor GB/s", "bytes", "ratio",
              "CPU ns/KiB send+recv: cosip, anchor");
  std::printf("%-8s %-8s\n", "", "Report");
  // The cosip runs first, then the anchors, so that the peak RSS after the
  // full-size runs is cosip's alone.
  std::vector<Run> cosip_runs;
  for (const std::size_t chunk : chunks)
    for (const auto& [failure, name] : modes) cosip_runs.push_back(run_cosip(bytes, chunk, failure));
  const long rss_full = peak_rss_kib();
  std::size_t next = 0;
  for (const std::size_t chunk : chunks) {
    const Run b = run_anchor(bytes, chunk);
    const double gb = b.seconds > 0 ? static_cast<double>(bytes) / b.seconds / 1e9 : 0;
    const double kib = static_cast<double>(bytes) / 1024 / 1e9;
    for (const auto& [failure, name] : modes) {
      const Run& a = cosip_runs[next++];
      const double ga = a.seconds > 0 ? static_cast<double>(bytes) / a.seconds / 1e9 : 0;
      std::printf("%-8zu %-8s %11.3f %11.3f %14llu %6.2f   %.0f+%.0f, %.0f+%.0f\n", chunk, name, ga, gb,
                  static_cast<unsigned long long>(bytes), gb > 0 ? ga / gb : 0, a.sender_cpu / kib,
                  a.receiver_cpu / kib, b.sender_cpu / kib, b.receiver_cpu / kib);
    }
  }
  std::printf("peak RSS of cosip: %ld KiB after %llu-byte transfers, %ld KiB after %llu-byte ones\n", rss_small,
              static_cast<unsigned long long>(small), rss_full, static_cast<unsigned long long>(bytes));
  run_tls_section(bytes);
  return 0;
}
