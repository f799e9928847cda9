// cosip's entry in the benchmark: parse_message() splits the message and
// decodes and checks every header cosip knows (see sip/syntax/message.hpp).
// One Message per thread is reused, as a receive loop would (parse_message
// clears it first); its views point into the caller's buffer, so no bytes are
// copied.
#include "sip/syntax/message.hpp"

#include "bench/anchors.hpp"

bool cosip_decode(std::string_view msg) {
  thread_local cosip::sip::Message message;
  return !cosip::sip::parse_message(msg, message);
}
