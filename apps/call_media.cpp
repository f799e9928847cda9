#include "apps/call_media.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>

#include <boost/algorithm/string/predicate.hpp>

#include <algorithm>
#include <array>
#include <deque>
#include <future>

#include "rtp/srtp/sdes.hpp"
#include "sdp/session_description.hpp"

namespace cosip::apps {
namespace {

constexpr std::chrono::milliseconds frame_time{20};
constexpr std::chrono::seconds max_kept_audio{60};  // of received audio in the report
constexpr std::chrono::milliseconds digit_duration{160};
constexpr std::chrono::milliseconds digit_gap{240};

// Runs `f` on the media thread and waits for it.
template <class F>
auto on_media(boost::asio::io_context& io, F f) {
  std::packaged_task<decltype(f())()> task(std::move(f));
  auto result = task.get_future();
  boost::asio::post(io, [&task] { task(); });
  return result.get();
}

// The call's played-out audio as a mixer source: what tick() pushed, at
// most a second of it.
class PcmFifo final : public media::AudioSource {
 public:
  explicit PcmFifo(int rate) : rate_(rate) {}
  int sample_rate() const override { return rate_; }
  int channels() const override { return 1; }
  void push(std::span<const std::int16_t> pcm) {
    samples_.insert(samples_.end(), pcm.begin(), pcm.end());
    if (samples_.size() > static_cast<std::size_t>(rate_))
      samples_.erase(samples_.begin(), samples_.end() - rate_);
  }
  std::size_t read(std::span<std::int16_t> out) override {
    const std::size_t n = std::min(out.size(), samples_.size());
    std::copy_n(samples_.begin(), n, out.begin());
    samples_.erase(samples_.begin(), samples_.begin() + static_cast<std::ptrdiff_t>(n));
    return n;
  }

 private:
  int rate_;
  std::deque<std::int16_t> samples_;
};

}  // namespace

CallMedia::CallMedia(CallMediaOptions options)
    : options_(std::move(options)),
      work_(io_.get_executor()),
      thread_([this] { io_.run(); }),
      frame_timer_(io_),
      digit_timer_(io_) {}

CallMedia::~CallMedia() { stop(); }

bool CallMedia::open(std::string& error) {
  sdp::LocalCapabilities caps;
  caps.username = "cosip";
  caps.session_id = random_session_id();
  caps.session_version = 1;
  // RFC 7587 §7: opus/48000/2 whatever we send; we would like FEC (§6.1).
  caps.audio.codecs = {sdp::AudioCodec("PCMU", 8000, 1, 0), sdp::AudioCodec("PCMA", 8000, 1, 8),
                       sdp::AudioCodec("opus", 48000, 2, -1, "useinbandfec=1")};
  const auto first = std::find_if(caps.audio.codecs.begin(), caps.audio.codecs.end(), [this](const sdp::AudioCodec& c) {
    return boost::iequals(c.encoding, options_.codec);
  });
  if (first == caps.audio.codecs.end()) {
    error = "unknown codec \"" + options_.codec + "\"; supported: opus, PCMU, PCMA";
    return false;
  }
  std::rotate(caps.audio.codecs.begin(), first, first + 1);
  caps.audio.rtcp_mux = false;
  if (options_.ice) {
    if (!open_ice(caps, error)) return false;
  } else {
    // Bound here and used only on the media thread from start_stream() on.
    stream_ = rtp::RtpStream::open(io_.get_executor(), boost::asio::ip::make_address("127.0.0.1"), false, 20000,
                                   29999, error);
    if (!stream_) return false;
    caps.address = "127.0.0.1";
    caps.audio.port = stream_->port();
  }
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
  sdp_.emplace(std::move(caps));
  return true;
}

// The agent and the stream over it are made, used and dropped on the media
// thread; this thread waits for the candidates. RFC 8839 §4.2.1.2: the m=
// and c= lines carry the default candidate (ours: the RTP component's best
// IPv4 host), every candidate goes in an a=candidate.
bool CallMedia::open_ice(sdp::LocalCapabilities& caps, std::string& error) {
  auto gathered = std::make_shared<std::promise<void>>();
  std::future<void> done = gathered->get_future();
  const rtp::ice::IceError started = on_media(io_, [this, gathered] {
    rtp::ice::IceConfig config;
    config.role = rtp::ice::Role::controlling;  // the offerer (RFC 8445 §6.1.1)
    config.components = 2;                      // RTP and RTCP: no rtcp-mux offered
    rtp::ice::IceEvents events;
    events.gathering_done = [gathered] { gathered->set_value(); };
    events.selected_pair = [this](const rtp::ice::SelectedPair& pair) {
      if (pair.component != 1) return;
      report_.ice_pair = std::string(rtp::ice::to_string(pair.local.type)) + " " + pair.local.address + ":" +
                         std::to_string(pair.local.port) + " -> " + std::string(rtp::ice::to_string(pair.remote.type)) +
                         " " + pair.remote.address + ":" + std::to_string(pair.remote.port);
      if (ice_started_)
        report_.ice_connect_ms = static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                       std::chrono::steady_clock::now() - *ice_started_)
                                                       .count());
    };
    ice_ = std::make_shared<rtp::IceTransport>(io_.get_executor(), std::move(config), std::move(events));
    stream_ = rtp::RtpStream::over(io_.get_executor(), ice_);
    return ice_->agent().gather();
  });
  if (started) {
    error = "ICE: " + started.message();
    return false;
  }
  if (done.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    error = "ICE: gathering did not finish within 10 s";
    return false;
  }
  return on_media(io_, [this, &caps, &error] {
    std::vector<rtp::ice::Candidate> local;
    if (const rtp::ice::IceError e = ice_->agent().local_candidates(local)) {
      error = "ICE: " + e.message();
      return false;
    }
    const rtp::ice::Credentials credentials = ice_->agent().local_credentials();
    sdp::IceParameters ice;
    ice.ufrag = credentials.ufrag;
    ice.pwd = credentials.pwd;
    const rtp::ice::Candidate* default_candidate = nullptr;
    for (const rtp::ice::Candidate& c : local) {
      ice.candidates.push_back(rtp::ice::to_sdp_value(c));
      const bool ipv4 = c.address.find(':') == std::string::npos;
      if (c.component == 1 && ipv4 && (default_candidate == nullptr || c.priority > default_candidate->priority))
        default_candidate = &c;
    }
    if (default_candidate == nullptr) {
      error = "ICE: no IPv4 host candidate (no interface but loopback?)";
      return false;
    }
    caps.address = default_candidate->address;
    caps.audio.port = default_candidate->port;
    // RFC 8839 §4.2.1.2: the RTCP component's candidate on that address, in a=rtcp.
    const rtp::ice::Candidate* rtcp_candidate = nullptr;
    for (const rtp::ice::Candidate& c : local)
      if (c.component == 2 && c.address == default_candidate->address &&
          (rtcp_candidate == nullptr || c.priority > rtcp_candidate->priority))
        rtcp_candidate = &c;
    if (rtcp_candidate != nullptr) caps.audio.rtcp_port = rtcp_candidate->port;
    caps.audio.ice = std::move(ice);
    return true;
  });
}

// The speaker and the ringback file are made and used on the media thread.
bool CallMedia::open_speaker(std::string& error) {
  if (options_.speaker.empty()) {
    if (options_.ringback.empty()) return true;
    error = "a ringback needs a speaker to be played on";
    return false;
  }
  return on_media(io_, [this, &error] {
    speaker_ = Speaker::open(options_.speaker, error);
    if (!speaker_) return false;
    call_audio_ = std::make_shared<PcmFifo>(Speaker::sample_rate);
    if (!speaker_->mixer().add(call_audio_, 1.0, error)) return false;
    if (!options_.ringback.empty()) {
      ringback_source_ = open_ringtone(options_.ringback, error);
      if (!ringback_source_) return false;
    }
    return true;
  });
}

void CallMedia::on_provisional(int status, bool carries_answer) {
  boost::asio::post(io_, [this, status, carries_answer] {
    ringback_.on_provisional(status, carries_answer);
    update_ringback();
    if (speaker_) ensure_ticking();
  });
}

// The ringback is in the mixer exactly while the rule says it plays.
void CallMedia::update_ringback() {
  const bool wanted = ringback_.play() == session::OutboundRingback::Play::ringtone && ringback_source_ && speaker_;
  if (wanted && !ringback_id_) {
    std::string error;
    ringback_id_ = speaker_->mixer().add(ringback_source_, 1.0, error);
  } else if (!wanted && ringback_id_) {
    speaker_->mixer().remove(*ringback_id_);
    ringback_id_.reset();
  }
}

std::string CallMedia::offer(bool hold, std::string& error) {
  std::string text = sdp_->offer(hold, error);
  if (text.empty()) return {};
  // The spec's start_recording_audio: nothing is recorded while on hold.
  boost::asio::post(io_, [this, hold] {
    on_hold_ = hold;
    if (recorder_) hold ? recorder_->pause() : recorder_->resume();
  });
  return text;
}

bool CallMedia::on_answer(const std::string& text, std::string& error) {
  return sdp_->on_answer(text, error) && apply_session("the answer refused the audio stream", error);
}

bool CallMedia::on_offer(const std::string& text, std::string& answer, std::string& error) {
  // A refused offer leaves the session as it was (RFC 3261 §14.2).
  return sdp_->on_offer(text, answer, error) && apply_session("our answer refused the audio stream", error);
}

// The negotiated audio stream to the RTP stream, on the media thread.
bool CallMedia::apply_session(std::string_view no_audio, std::string& error) {
  const sdp::NegotiatedStream* audio = sdp_->session().find(sdp::StreamKind::audio);
  if (audio == nullptr) {
    error = no_audio;
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
  if (sdp_) sdp_->on_rejected();
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
  if (!start_codec(audio, error)) return;
  rtp::RtpStream::Callbacks callbacks;
  callbacks.on_audio = [this](const rtp::AudioPacket& p) {
    jitter_->push({p.sequence, p.timestamp, p.ssrc, p.marker, p.payload}, std::chrono::steady_clock::now());
  };
  callbacks.on_event_packet = [this](const rtp::AudioPacket& p) { jitter_->skip(p.sequence, p.ssrc); };
  callbacks.on_event = [this](const rtp::TelephoneEventNotice& n) {
    if (n.kind != rtp::TelephoneEventNotice::Kind::end) return;
    if (const std::optional<char> d = rtp::digit_for_event(n.event)) report_.digits += *d;
  };
  callbacks.on_inactive = [this] { report_.inactive = true; };
  rtp::SrtpError e;
  if (ice_) {
    if (!start_ice(audio, error)) return;
    e = stream_->start(config, std::move(callbacks));
  } else {
    boost::system::error_code ec;
    const auto rtp_address = boost::asio::ip::make_address(audio.remote_address, ec);
    const auto rtcp_address = boost::asio::ip::make_address(
        audio.remote_rtcp_address.empty() ? audio.remote_address : audio.remote_rtcp_address, ec);
    e = stream_->start(config, {rtp_address, audio.remote_port}, {rtcp_address, audio.remote_rtcp_port},
                       std::move(callbacks));
  }
  if (e) {
    error = "cannot start RTP: " + e.message();
    return;
  }
  report_.srtp_suite = audio.srtp ? audio.srtp->suite : "";
  reception_.start(std::chrono::steady_clock::now());
  ringback_.on_final();  // answered: the ringback stops
  update_ringback();
  ensure_ticking();
  if (!options_.dtmf.empty() && !digits_started_) {
    digits_started_ = true;
    digit_timer_.expires_after(std::chrono::seconds(1));
    digit_timer_.async_wait([this](boost::system::error_code e) {
      if (!e) send_digits(0);
    });
  }
}

// The peer's credentials and candidates, from the first answer; a later
// answer (re-INVITE) keeps the ICE session (no ICE restart, RFC 8839 §4.4.1.1.1).
bool CallMedia::start_ice(const sdp::NegotiatedStream& audio, std::string& error) {
  if (!audio.remote_ice) {
    error = "the answer has no ICE (a=ice-ufrag, a=ice-pwd)";
    return false;
  }
  if (ice_started_) return true;
  std::vector<rtp::ice::Candidate> candidates;
  for (const std::string& value : audio.remote_ice->candidates) {
    // RFC 8839 §5.1: a candidate we cannot use (TCP, another component) is ignored.
    rtp::ice::Candidate c;
    if (!rtp::ice::parse_sdp_value(value, c) && c.component <= ice_->agent().config().components)
      candidates.push_back(std::move(c));
  }
  rtp::ice::Credentials credentials;
  credentials.ufrag = audio.remote_ice->ufrag;
  credentials.pwd = audio.remote_ice->pwd;
  if (const rtp::ice::IceError e = ice_->agent().set_remote(credentials, candidates, true)) {
    error = "ICE: " + e.message();
    return false;
  }
  ice_started_ = std::chrono::steady_clock::now();
  return true;
}

// The codec as negotiated: encoder, decoder and jitter buffer are made
// anew when it changes (a re-INVITE may switch codecs, RFC 3264 §8.3.2) and
// kept otherwise, so that a hold does not reset the buffer.
bool CallMedia::start_codec(const sdp::NegotiatedStream& audio, std::string& error) {
  media::CodecFormat format;
  format.encoding = audio.codec;
  format.clock_rate = static_cast<int>(audio.clock_rate);
  format.channels = audio.channels == 0 ? 1 : audio.channels;
  format.fmtp = audio.codec_fmtp;
  format.ptime_ms = static_cast<int>(frame_time.count());
  if (encoder_ && format.encoding == format_.encoding && format.clock_rate == format_.clock_rate &&
      format.channels == format_.channels && format.fmtp == format_.fmtp)
    return true;
  auto encoder = media::make_encoder(format, error);
  auto decoder = encoder ? media::make_decoder(format, error) : nullptr;
  if (!decoder) return false;
  media::JitterBufferConfig config;
  config.clock_rate = format.clock_rate;
  config.ptime_ms = format.ptime_ms;
  format_ = std::move(format);
  encoder_ = std::move(encoder);
  decoder_ = std::move(decoder);
  jitter_ = std::make_unique<media::JitterBuffer>(*decoder_, config);
  tone_.emplace(options_.tone_hz, encoder_->sample_rate(), 0.5);
  sent_frame_.assign(static_cast<std::size_t>(encoder_->frames_per_packet()), 0);
  played_frame_.assign(static_cast<std::size_t>(jitter_->frames_per_tick() * decoder_->channels()), 0);
  played_mono_.assign(static_cast<std::size_t>(jitter_->frames_per_tick()), 0);
  report_.codec = format_.encoding + "/" + std::to_string(format_.clock_rate) + "/" + std::to_string(format_.channels);
  report_.sample_rate = decoder_->sample_rate();
  report_.samples.clear();
  if (speaker_) {
    to_speaker_ =
        media::Resampler::create(1, decoder_->sample_rate(), Speaker::sample_rate, media::Resampler::voip_quality, error);
    if (!to_speaker_) return false;
  }
  if (!options_.record.empty() && !recording_) {
    recording_ = media::WavFileSink::create(options_.record, decoder_->sample_rate(), 1, error);
    if (!recording_) return false;
    recorder_.emplace(*recording_);
    if (on_hold_) recorder_->pause();
  }
  return true;
}

// One media tick, paced by the timer's own schedule so that late wake-ups
// do not make the stream drift: a frame of the tone coded and sent, a
// frame played out of the jitter buffer, both recorded.
void CallMedia::tick() {
  if (!stream_) return;  // stop() ran after this handler was queued
  const auto now = std::chrono::steady_clock::now();
  if (jitter_) {
    tone_->fill(sent_frame_);
    std::vector<std::int16_t> interleaved;
    std::span<const std::int16_t> pcm = sent_frame_;
    if (encoder_->channels() == 2) {  // the same tone on both channels
      interleaved.resize(sent_frame_.size() * 2);
      for (std::size_t i = 0; i < sent_frame_.size(); ++i) interleaved[2 * i] = interleaved[2 * i + 1] = sent_frame_[i];
      pcm = interleaved;
    }
    std::array<std::uint8_t, 1500> coded;
    const int size = encoder_->encode(pcm, coded);
    // RTP timestamps count the codec's clock (Opus: 48 kHz, RFC 7587 §4.1).
    const auto units = static_cast<std::uint32_t>(static_cast<std::int64_t>(encoder_->frames_per_packet()) *
                                                  format_.clock_rate / encoder_->sample_rate());
    if (size > 0) stream_->send_audio(std::span(coded).first(static_cast<std::size_t>(size)), units);

    const std::uint64_t decoded_before = jitter_->statistics().played_packets + jitter_->statistics().fec_recovered;
    jitter_->pull(now, played_frame_);
    const media::JitterBufferStatistics& stats = jitter_->statistics();
    if (stats.played_packets + stats.fec_recovered > decoded_before) reception_.on_decoded();
    if (reception_.on_timeout(now)) report_.got_no_audio = true;
    const auto channels = static_cast<std::size_t>(decoder_->channels());
    for (std::size_t i = 0; i < played_mono_.size(); ++i) {
      int sum = 0;
      for (std::size_t c = 0; c < channels; ++c) sum += played_frame_[i * channels + c];
      played_mono_[i] = static_cast<std::int16_t>(sum / static_cast<int>(channels));
    }
    if (reception_.audio_was_received() &&
        report_.samples.size() < static_cast<std::size_t>(report_.sample_rate * max_kept_audio.count()))
      report_.samples.insert(report_.samples.end(), played_mono_.begin(), played_mono_.end());
    if (recorder_ && encoder_->sample_rate() == decoder_->sample_rate()) recorder_->record(sent_frame_, played_mono_);
    if (to_speaker_) {
      resampled_.resize(to_speaker_->max_output_frames(played_mono_.size()));
      const media::Resampler::Result r = to_speaker_->process(played_mono_, resampled_);
      static_cast<PcmFifo&>(*call_audio_).push(std::span(resampled_).first(r.produced));
    }
  }
  play_speaker(now);

  frame_timer_.expires_at(frame_timer_.expiry() + frame_time);
  frame_timer_.async_wait([this](boost::system::error_code e) {
    if (!e) tick();
  });
}

void CallMedia::ensure_ticking() {
  if (ticking_) return;
  ticking_ = true;
  frame_timer_.expires_after(frame_time);
  frame_timer_.async_wait([this](boost::system::error_code e) {
    if (!e) tick();
  });
}

// One frame of the mix (call audio, ringback, DTMF feedback) to the speaker.
void CallMedia::play_speaker(std::chrono::steady_clock::time_point now) {
  if (!speaker_) return;
  if (!feedback_ids_.empty() && now >= feedback_until_) {
    for (const media::Mixer::SourceId id : feedback_ids_) speaker_->mixer().remove(id);
    feedback_ids_.clear();
  }
  const std::size_t frames = speaker_->play(static_cast<std::size_t>(Speaker::sample_rate * frame_time.count() / 1000));
  report_.speaker_frames += frames;
  if (ringback_id_) report_.ringback_frames += frames;
}

void CallMedia::send_digits(std::size_t next) {
  if (!stream_ || next >= options_.dtmf.size()) return;
  stream_->send_digit(options_.dtmf[next], digit_duration);
  // Feedback: the digit's two tones (ITU-T Q.23) on the speaker while it is sent.
  if (const auto pair = media::dtmf_frequencies(options_.dtmf[next]); pair && speaker_) {
    std::string error;
    for (const double hz : {pair->first, pair->second})
      if (const auto id =
              speaker_->mixer().add(std::make_shared<media::ToneSource>(hz, Speaker::sample_rate, 1, 0.25), 1.0, error))
        feedback_ids_.push_back(*id);
    feedback_until_ = std::chrono::steady_clock::now() + digit_duration;
  }
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
        report_.jitter_ms = 1000.0 * remote->jitter() / format_.clock_rate;
      }
      stream_->stop();
      stream_.reset();
    }
    if (jitter_) report_.jitter = jitter_->statistics();
    report_.audio_was_received = reception_.audio_was_received();
    if (recorder_) report_.recorded_frames = recorder_->frames_written();
    recorder_.reset();
    recording_.reset();  // closes the WAV file
    speaker_.reset();    // closes the file, or stops the device's stream
    if (ice_) report_.ice_unsent = ice_->unsent();
    ice_.reset();  // the agent stops on this thread
    work_.reset();
  });
  thread_.join();
}

}  // namespace cosip::apps
