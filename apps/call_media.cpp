#include "apps/call_media.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>

#include <future>
#include <random>

#include "rtp/srtp/sdes.hpp"
#include "sdp/session_description.hpp"

namespace cosip::apps {
namespace {

constexpr std::uint32_t sample_rate = 8000;  // G.711
constexpr std::chrono::milliseconds frame_time{20};
constexpr std::uint32_t frame_samples = sample_rate * 20 / 1000;
constexpr std::size_t max_kept_samples = sample_rate * 60;  // a minute of received audio
constexpr std::chrono::milliseconds digit_duration{160};
constexpr std::chrono::milliseconds digit_gap{240};

std::string random_digits(std::size_t n) {
  std::random_device rd;
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<char>('1' + rd() % 9);
  return s;
}

// Runs `f` on the media thread and waits for it.
template <class F>
auto on_media(boost::asio::io_context& io, F f) {
  std::packaged_task<decltype(f())()> task(std::move(f));
  auto result = task.get_future();
  boost::asio::post(io, [&task] { task(); });
  return result.get();
}

}  // namespace

CallMedia::CallMedia(CallMediaOptions options)
    : options_(std::move(options)),
      work_(io_.get_executor()),
      thread_([this] { io_.run(); }),
      frame_timer_(io_),
      digit_timer_(io_),
      tone_(options_.tone_hz, sample_rate, 0.5) {}

CallMedia::~CallMedia() { stop(); }

bool CallMedia::open(std::string& error) {
  // Bound here and used only on the media thread from start_stream() on.
  stream_ = rtp::RtpStream::open(io_.get_executor(), boost::asio::ip::make_address("127.0.0.1"), false, 20000, 29999,
                                 error);
  if (!stream_) return false;
  sdp::LocalCapabilities caps;
  caps.username = "cosip";
  caps.session_id = random_digits(10);
  caps.session_version = 1;
  caps.address = "127.0.0.1";
  caps.audio.codecs = {sdp::AudioCodec("PCMU", 8000, 1, 0), sdp::AudioCodec("PCMA", 8000, 1, 8)};
  caps.audio.port = stream_->port();
  caps.audio.rtcp_mux = false;
  caps.audio.srtp = options_.srtp;
  if (options_.srtp != sdp::SrtpMode::off) {
    for (const rtp::SrtpSuite suite : {rtp::SrtpSuite::aes_cm_128_hmac_sha1_80, rtp::SrtpSuite::aes_cm_128_hmac_sha1_32}) {
      const std::optional<std::string> key = rtp::generate_key_salt(suite);
      if (!key) {
        error = "no random bytes for an SRTP key";
        return false;
      }
      caps.audio.srtp_keys.push_back({std::string(rtp::to_string(suite)), *key});
    }
  }
  caps.msrp.chat = false;
  caps.msrp.file_transfer = false;
  negotiator_.emplace(std::move(caps));
  return true;
}

std::string CallMedia::offer(bool hold, std::string& error) {
  sdp::SessionDescription sd;
  sdp::NegotiationError e;
  if (!negotiator_->local_description()) e = negotiator_->make_offer({sdp::StreamRequest::audio()}, sd);
  else if (hold) e = negotiator_->hold(sd);
  else e = negotiator_->reoffer(sd);
  if (e) {
    error = e.message();
    return {};
  }
  return sdp::serialize(sd);
}

bool CallMedia::on_answer(const std::string& text, std::string& error) {
  sdp::SessionDescription answer;
  if (const sdp::ParseError pe = sdp::parse(text, answer, sdp::ParseOptions::lenient())) {
    error = "the answer's SDP: " + pe.message();
    negotiator_->rollback();
    return false;
  }
  if (const sdp::NegotiationError e = negotiator_->process_answer(answer)) {
    error = e.message();
    return false;
  }
  const sdp::NegotiatedStream* audio = negotiator_->session().find(sdp::StreamKind::audio);
  if (audio == nullptr) {
    error = "the answer refused the audio stream";
    return false;
  }
  const sdp::NegotiatedStream copy = *audio;
  return on_media(io_, [this, copy, &error] {
    error.clear();
    start_stream(copy, error);
    return error.empty();
  });
}

void CallMedia::on_rejected() {
  if (negotiator_ && negotiator_->state() == sdp::Negotiator::State::offer_sent) negotiator_->rollback();
}

void CallMedia::start_stream(const sdp::NegotiatedStream& audio, std::string& error) {
  rtp::RtpSessionConfig config;
  config.payload_type = audio.payload_type;
  config.clock_rate = audio.clock_rate;
  config.telephone_event_payload_type = audio.telephone_event_payload_type;
  config.rtcp_mux = audio.rtcp_mux;
  config.send = audio.direction == sdp::Direction::sendrecv || audio.direction == sdp::Direction::sendonly;
  config.cname = "cosip@127.0.0.1";
  config.srtp_required = options_.srtp == sdp::SrtpMode::mandatory;
  if (audio.srtp) {
    config.srtp_suite = audio.srtp->suite;
    config.local_key = audio.srtp->local_key;
    config.remote_key = audio.srtp->remote_key;
  }
  law_ = audio.codec == "PCMA" ? media::G711Law::alaw : media::G711Law::ulaw;
  boost::system::error_code ec;
  const auto rtp_address = boost::asio::ip::make_address(audio.remote_address, ec);
  const auto rtcp_address = boost::asio::ip::make_address(
      audio.remote_rtcp_address.empty() ? audio.remote_address : audio.remote_rtcp_address, ec);
  rtp::RtpStream::Callbacks callbacks;
  callbacks.on_audio = [this](const rtp::AudioPacket& p) {
    if (report_.samples.size() + p.payload.size() > max_kept_samples) return;
    const std::size_t at = report_.samples.size();
    report_.samples.resize(at + p.payload.size());
    media::g711_decode(law_, p.payload, std::span<std::int16_t>(report_.samples).subspan(at));
  };
  callbacks.on_event = [this](const rtp::TelephoneEventNotice& n) {
    if (n.kind != rtp::TelephoneEventNotice::Kind::end) return;
    if (const std::optional<char> d = rtp::digit_for_event(n.event)) report_.digits += *d;
  };
  callbacks.on_inactive = [this] { report_.inactive = true; };
  if (const rtp::SrtpError e = stream_->start(config, {rtp_address, audio.remote_port},
                                              {rtcp_address, audio.remote_rtcp_port}, std::move(callbacks))) {
    error = "cannot start RTP: " + e.message();
    return;
  }
  report_.srtp_suite = audio.srtp ? audio.srtp->suite : "";
  if (!sending_) {
    sending_ = true;
    frame_timer_.expires_after(frame_time);
    frame_timer_.async_wait([this](boost::system::error_code e) {
      if (!e) send_frame();
    });
  }
  if (!options_.dtmf.empty() && !digits_started_) {
    digits_started_ = true;
    digit_timer_.expires_after(std::chrono::seconds(1));
    digit_timer_.async_wait([this](boost::system::error_code e) {
      if (!e) send_digits(0);
    });
  }
}

// One 20 ms frame of the tone, paced by the timer's own schedule so that
// late wake-ups do not make the stream drift.
void CallMedia::send_frame() {
  std::array<std::int16_t, frame_samples> pcm;
  std::array<std::uint8_t, frame_samples> coded;
  tone_.fill(pcm);
  media::g711_encode(law_, pcm, coded);
  stream_->send_audio(coded, frame_samples);
  frame_timer_.expires_at(frame_timer_.expiry() + frame_time);
  frame_timer_.async_wait([this](boost::system::error_code e) {
    if (!e) send_frame();
  });
}

void CallMedia::send_digits(std::size_t next) {
  if (next >= options_.dtmf.size()) return;
  stream_->send_digit(options_.dtmf[next], digit_duration);
  digit_timer_.expires_after(digit_duration + digit_gap);
  digit_timer_.async_wait([this, next](boost::system::error_code e) {
    if (!e) send_digits(next + 1);
  });
}

void CallMedia::stop() {
  if (!thread_.joinable()) return;
  boost::asio::post(io_, [this] {
    frame_timer_.cancel();
    digit_timer_.cancel();
    if (stream_) {
      const rtp::RtpSession& s = stream_->session();
      report_.packets_sent = s.counters().packets_sent;
      report_.packets_received = s.counters().packets_received;
      report_.dropped = s.counters().dropped;
      report_.srtp_auth_failures = s.counters().srtp_auth_failures;
      if (const auto& remote = s.remote_source()) {
        report_.packets_lost = remote->expected() - remote->received();
        report_.jitter_ms = 1000.0 * remote->jitter() / sample_rate;
      }
      stream_->stop();
      stream_.reset();
    }
    work_.reset();
  });
  thread_.join();
}

}  // namespace cosip::apps
