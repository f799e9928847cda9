// MSRP chat messages per second over loopback TCP, with success reports:
//   (a) cosip: two MsrpConnections, ChatStream on each side; alice sends
//       100-byte text messages wrapped in CPIM, each asking for a success
//       report; bob's ChatStream unwraps them (MSRPChatGotMessage) and his
//       session answers each with a 200 and a REPORT; a message counts once
//       alice has MSRPChatDidDeliverMessage for it;
//   (b) the anchor: bare blocking sockets carrying the same exchange as
//       fixed byte strings: a SEND of the same size, a 200 and a REPORT back
//       for each, found with memmem; no parsing beyond that.
// Both keep at most --window messages unconfirmed (1: one at a time, so
// the figure is the round trip). Sender on core 0, receiver on core 1.
//   msrp_chat_bench [--messages N] [--window W]
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench/loopback.hpp"
#include "bench/pinning.hpp"
#include "msrp/chat.hpp"
#include "msrp/msrp_connection.hpp"

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace cosip::msrp;
using Clock = std::chrono::steady_clock;

namespace {

const std::string alice_uri = "msrp://127.0.0.1:2855/alicechat1;tcp";
const std::string bob_uri = "msrp://127.0.0.1:2856/bobchat1;tcp";
const std::string text(100, 'x');

std::uint64_t random_id() {
  static thread_local std::uint64_t n = 0x12345678;
  return n += 0x9e3779b97f4a7c15ULL;
}

SessionConfig session_config(const std::string& local, const std::string& remote) {
  SessionConfig c;
  c.local_uri = local;
  c.remote_path = {remote};
  return c;
}

// (a) cosip: seconds for `count` messages; 0 when it failed.
double run_cosip(std::size_t count, std::size_t window) {
  asio::io_context send_io, receive_io;
  tcp::acceptor acceptor(receive_io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket client(send_io);
  client.connect(acceptor.local_endpoint());
  tcp::socket server = acceptor.accept();
  auto alice_session = std::make_unique<MsrpSession>(session_config(alice_uri, bob_uri), random_id);
  auto bob_session = std::make_unique<MsrpSession>(session_config(bob_uri, alice_uri), random_id);
  ChatStream alice(ChatConfig{{"sip:alice@example.com", "Alice"}, {"sip:bob@example.com", "Bob"}, {"message/cpim"}, {}},
                   *alice_session);
  ChatStream bob(ChatConfig{{"sip:bob@example.com", "Bob"}, {"sip:alice@example.com", "Alice"}, {"message/cpim"}, {}},
                 *bob_session);

  std::size_t got = 0;  // on the receiving thread
  std::size_t sent = 0, delivered = 0;
  bool failed = false;
  auto bob_connection = MsrpConnection::create(std::move(server), std::move(bob_session),
                                               {[&](const SessionEvent& e) {
                                                  for (const ChatNotification& n : bob.on_session_events({e}))
                                                    if (n.name == "MSRPChatGotMessage" && n.content.size() == text.size())
                                                      ++got;
                                                },
                                                [](const std::string&) {}});
  std::string error;
  // Sends until `window` messages are unconfirmed.
  std::shared_ptr<MsrpConnection> alice_connection;
  auto top_up = [&] {
    while (!failed && sent < count && sent - delivered < window) {
      ++sent;
      if (!alice.send_message(text, "text/plain", {}, {}, Clock::now(), error)) failed = true;
    }
    alice_connection->sync();
  };
  alice_connection = MsrpConnection::create(std::move(client), std::move(alice_session),
                                                 {[&](const SessionEvent& e) {
                                                    for (const ChatNotification& n : alice.on_session_events({e})) {
                                                      if (n.name == "MSRPChatDidDeliverMessage") ++delivered;
                                                      else failed = true;
                                                    }
                                                    if (failed || delivered == count) send_io.stop();
                                                    else asio::post(send_io, top_up);  // not from inside the event
                                                  },
                                                  [&](const std::string&) {
                                                    if (delivered < count) failed = true;  // not our close()
                                                    send_io.stop();
                                                  }});
  bob_connection->start();
  alice_connection->start();
  std::thread receive_thread([&] {
    cosip::bench::pin_to_core(1);
    auto guard = asio::make_work_guard(receive_io);
    receive_io.run();
  });
  cosip::bench::pin_to_core(0);
  const auto start = Clock::now();
  asio::post(send_io, top_up);
  send_io.run();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  alice_connection->close();
  asio::post(receive_io, [&] {
    bob_connection->close();
    receive_io.stop();
  });
  receive_thread.join();
  if (failed || delivered != count || got != count) {
    std::fprintf(stderr, "cosip run failed: %zu delivered, %zu received of %zu (%s)\n", delivered, got, count,
                 error.c_str());
    return 0;
  }
  return seconds;
}

// The bytes of one chat exchange as cosip writes them: alice's SEND, bob's
// 200 and REPORT.
struct Exchange {
  std::string send, send_end;      // the SEND and its end-line
  std::string reply, report_end;   // the 200 and REPORT, and the REPORT's end-line
};

Exchange sample_exchange() {
  MsrpSession a(session_config(alice_uri, bob_uri), random_id), b(session_config(bob_uri, alice_uri), random_id);
  ChatStream alice(ChatConfig{{"sip:alice@example.com", "Alice"}, {"sip:bob@example.com", "Bob"}, {"message/cpim"}, {}}, a);
  std::string error;
  alice.send_message(text, "text/plain", {}, {}, Clock::now(), error);
  Exchange x;
  x.send = a.take_output();
  b.on_bytes(x.send, Clock::now());
  x.reply = b.take_output();
  // "-------<tid>$\r\n" ends each message: the SEND's is the last of its bytes,
  // the REPORT's the last of the reply's.
  x.send_end = x.send.substr(x.send.rfind("-------"));
  x.report_end = x.reply.substr(x.reply.rfind("-------"));
  return x;
}

std::size_t count_in(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

bool write_all(int fd, const std::string& bytes) {
  for (std::size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// (b) the anchor: seconds for `count` exchanges of the same bytes; 0 when it failed.
double run_anchor(std::size_t count, std::size_t window) {
  const Exchange x = sample_exchange();
  const cosip::bench::LoopbackPair pair = cosip::bench::loopback_pair();
  if (!pair.ok()) return 0;
  const int sender = pair.sender;
  const int receiver = pair.receiver;
  const int one = 1;
  ::setsockopt(receiver, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  std::thread receive_thread([&] {
    cosip::bench::pin_to_core(1);
    std::string buffer, replies;
    char chunk[65536];
    for (;;) {
      const ssize_t n = ::read(receiver, chunk, sizeof chunk);
      if (n <= 0) break;
      buffer.append(chunk, static_cast<std::size_t>(n));
      std::size_t at = 0;
      for (const char* end; (end = static_cast<const char*>(::memmem(buffer.data() + at, buffer.size() - at,
                                                                     x.send_end.data(), x.send_end.size())));) {
        at = static_cast<std::size_t>(end - buffer.data()) + x.send_end.size();
        replies += x.reply;
      }
      buffer.erase(0, at);
      if (!write_all(receiver, replies)) break;
      replies.clear();
    }
  });
  cosip::bench::pin_to_core(0);
  const auto start = Clock::now();
  std::size_t sent = 0, confirmed = 0;
  std::string batch, tail;
  char chunk[65536];
  while (confirmed < count) {
    batch.clear();
    for (; sent < count && sent - confirmed < window; ++sent) batch += x.send;
    if (!batch.empty() && !write_all(sender, batch)) break;
    const ssize_t n = ::read(sender, chunk, sizeof chunk);
    if (n <= 0) break;
    tail.append(chunk, static_cast<std::size_t>(n));
    confirmed += count_in(tail, x.report_end);
    const std::size_t last = tail.rfind(x.report_end);
    if (last != std::string::npos) tail.erase(0, last + x.report_end.size());
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  ::shutdown(sender, SHUT_WR);
  receive_thread.join();
  ::close(sender);
  ::close(receiver);
  return confirmed == count ? seconds : 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t messages = 100000;
  std::vector<std::size_t> windows = {1, 64};
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--messages") == 0 && i + 1 < argc) messages = std::strtoull(argv[++i], nullptr, 10);
    if (std::strcmp(argv[i], "--window") == 0 && i + 1 < argc) windows = {std::strtoull(argv[++i], nullptr, 10)};
  }
  const Exchange x = sample_exchange();
  std::printf("MSRP chat over loopback TCP: %zu-byte text in CPIM, a %zu-byte SEND, success reports; sender on core 0, "
              "receiver on core 1\n",
              text.size(), x.send.size());
  std::printf("%-8s %12s %16s %16s %8s\n", "window", "messages", "cosip msg/s", "anchor msg/s", "ratio");
  for (const std::size_t window : windows) {
    const std::size_t n = window == 1 ? std::min<std::size_t>(messages, 20000) : messages;
    const double a = run_cosip(n, window);
    const double b = run_anchor(n, window);
    const double ra = a > 0 ? static_cast<double>(n) / a : 0;
    const double rb = b > 0 ? static_cast<double>(n) / b : 0;
    std::printf("%-8zu %12zu %16.0f %16.0f %8.2f\n", window, n, ra, rb, rb > 0 ? ra / rb : 0);
  }
  return 0;
}
