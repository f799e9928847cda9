#include "apps/call_sdp.hpp"

#include <random>

#include "sdp/session_description.hpp"

namespace cosip::apps {

std::string random_session_id(std::size_t digits) {
  std::random_device rd;
  std::string s;
  for (std::size_t i = 0; i < digits; ++i) s += static_cast<char>('1' + rd() % 9);
  return s;
}

std::string CallSdp::offer(bool hold, std::string& error) {
  sdp::SessionDescription sd;
  sdp::NegotiationError e;
  if (!negotiator_.local_description()) e = negotiator_.make_offer({sdp::StreamRequest::audio()}, sd);
  else if (hold) e = negotiator_.hold(sd);
  else e = negotiator_.reoffer(sd);
  if (e) {
    error = e.message();
    return {};
  }
  return sdp::serialize(sd);
}

bool CallSdp::on_answer(const std::string& text, std::string& error) {
  sdp::SessionDescription answer;
  if (const sdp::ParseError pe = sdp::parse(text, answer, sdp::ParseOptions::lenient())) {
    error = "the answer's SDP: " + pe.message();
    negotiator_.rollback();
    return false;
  }
  if (const sdp::NegotiationError e = negotiator_.process_answer(answer)) {
    error = e.message();
    return false;
  }
  return true;
}

void CallSdp::on_rejected() {
  if (negotiator_.state() == sdp::Negotiator::State::offer_sent) negotiator_.rollback();
}

bool CallSdp::on_offer(const std::string& text, std::string& answer, std::string& error) {
  sdp::SessionDescription offer;
  if (const sdp::ParseError pe = sdp::parse(text, offer, sdp::ParseOptions::lenient())) {
    error = "the offer's SDP: " + pe.message();
    return false;
  }
  sdp::SessionDescription sd;
  if (const sdp::NegotiationError e = negotiator_.answer(offer, sd)) {
    error = e.message();
    return false;
  }
  answer = sdp::serialize(sd);
  return true;
}

}  // namespace cosip::apps
