// Feeds MSRP bytes to the stream parser in given pieces and records what it
// reports, so tests can compare any split against the whole-buffer result.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "msrp/parser.hpp"
#include "msrp/serializer.hpp"

namespace msrp_test {

struct Received {
  std::string head;  // the head's text
  std::string body;  // the body pieces joined
  char flag = 0;
};

struct Log {
  std::vector<Received> messages;
  cosip::msrp::ParseError error;
  std::size_t body_events = 0;
  bool used_everything = true;  // every need_more came after all bytes of the piece were used
};

inline Log feed_pieces(const std::vector<std::string_view>& pieces, const cosip::msrp::Limits& limits = {}) {
  using cosip::msrp::Event;
  cosip::msrp::StreamParser parser(limits);
  Log log;
  for (std::string_view rest : pieces) {
    for (;;) {
      const auto r = parser.feed(rest);
      rest.remove_prefix(r.used);
      if (r.event == Event::need_more) {
        if (!rest.empty()) log.used_everything = false;
        break;
      }
      if (r.event == Event::error) {
        log.error = parser.error();
        return log;
      }
      if (r.event == Event::head) log.messages.push_back({std::string(parser.head().text), {}, 0});
      if (r.event == Event::body) {
        ++log.body_events;
        log.messages.back().body.append(parser.body());
      }
      if (r.event == Event::end) log.messages.back().flag = static_cast<char>(parser.flag());
    }
  }
  return log;
}

inline Log feed_split(std::string_view data, std::size_t at, const cosip::msrp::Limits& limits = {}) {
  return feed_pieces({data.substr(0, at), data.substr(at)}, limits);
}

inline Log feed_bytewise(std::string_view data, const cosip::msrp::Limits& limits = {}) {
  std::vector<std::string_view> pieces;
  for (std::size_t i = 0; i < data.size(); ++i) pieces.push_back(data.substr(i, 1));
  return feed_pieces(pieces, limits);
}

inline bool same(const Log& a, const Log& b) {
  if (a.messages.size() != b.messages.size() || a.error.code != b.error.code || a.error.offset != b.error.offset)
    return false;
  for (std::size_t i = 0; i < a.messages.size(); ++i) {
    if (a.messages[i].head != b.messages[i].head || a.messages[i].body != b.messages[i].body ||
        a.messages[i].flag != b.messages[i].flag)
      return false;
  }
  return true;
}

}  // namespace msrp_test
