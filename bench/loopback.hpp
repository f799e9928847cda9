// A connected pair of blocking TCP sockets on 127.0.0.1, for the anchors
// that move bytes over bare sockets beside cosip.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace cosip::bench {

struct LoopbackPair {
  int sender = -1;    // connected; TCP_NODELAY set
  int receiver = -1;  // accepted
  bool ok() const { return sender >= 0 && receiver >= 0; }
};

inline LoopbackPair loopback_pair() {
  LoopbackPair pair;
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::listen(listener, 1);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  pair.sender = ::socket(AF_INET, SOCK_STREAM, 0);
  if (::connect(pair.sender, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0)
    pair.receiver = ::accept(listener, nullptr, nullptr);
  ::close(listener);
  const int one = 1;
  ::setsockopt(pair.sender, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return pair;
}

}  // namespace cosip::bench
