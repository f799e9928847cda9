// The audio of `cosip call --audio`: SDP offer/answer through the
// negotiator, one RTP stream on a media thread of its own, a test tone
// coded as Opus or G.711 going out, what comes in played out through the
// adaptive jitter buffer, decoded, measured and optionally recorded to WAV
// with the tone sent, and RFC 4733 digits both ways. What is heard (the
// call's audio, the ringback on 180/183 until the answer, DTMF feedback)
// is mixed onto one output: a PortAudio device or a WAV file. A stand-in for the session layer's audio stream, for
// interop tests and for trying a peer by hand. With ICE, the stream goes over
// an ICE agent's host candidates (RFC 8839 offer/answer; we offer, so we
// control, RFC 8445 §6.1.1).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "media/audio_reception.hpp"
#include "media/codec.hpp"
#include "media/jitter_buffer.hpp"
#include "media/recorder.hpp"
#include "media/tone.hpp"
#include "media/mixer.hpp"
#include "media/resampler.hpp"
#include "media/wav_file.hpp"
#include "apps/call_sdp.hpp"
#include "apps/speaker.hpp"
#include "session/ringtones.hpp"
#include "rtp/ice_transport.hpp"
#include "rtp/rtp_stream.hpp"
#include "sdp/negotiator.hpp"

namespace cosip::apps {

struct CallMediaOptions {
  double tone_hz = 440;
  sdp::SrtpMode srtp = sdp::SrtpMode::off;
  std::string dtmf;  // digits sent once the call is up
  // The codec offered first: "opus", "PCMU" or "PCMA"; the others follow.
  std::string codec = "PCMU";
  // A WAV file the call is recorded to (both directions mixed), "" for none.
  std::string record;
  // Where what is heard goes: "" nowhere, "wav:FILE", or a PortAudio
  // output device by name ("default" for the system's).
  std::string speaker;
  // A WAV file played to the speaker on 180/183 until the answer (the
  // spec's RingtoneConfiguration.outbound_ringtone).
  std::string ringback;
  // ICE with host candidates on every interface but loopback (libnice's
  // choice); the answer must carry ICE too.
  bool ice = false;
};

// What came out of the call's audio, for the summary and the checks.
struct CallMediaReport {
  std::uint64_t packets_sent = 0;
  std::uint64_t packets_received = 0;
  std::int64_t packets_lost = 0;
  double jitter_ms = 0;
  std::string srtp_suite;  // "" for plain RTP
  std::uint64_t srtp_auth_failures = 0;
  std::uint64_t dropped = 0;
  std::string digits;  // RFC 4733 events received, in order
  std::string codec;                   // as negotiated, e.g. "opus/48000/2"
  int sample_rate = 8000;              // of `samples`
  std::vector<std::int16_t> samples;   // played out by the jitter buffer, mono
  media::JitterBufferStatistics jitter;
  bool audio_was_received = false;     // a packet was decoded
  bool got_no_audio = false;           // none in the first 5 s (SCSessionGotNoAudio)
  bool inactive = false;               // no packet for 5 s at some point
  std::uint64_t recorded_frames = 0;
  std::uint64_t ringback_frames = 0;   // played to the speaker
  std::uint64_t speaker_frames = 0;    // written to the speaker
  std::string ice_pair;                // the RTP component's selected pair, with ICE
  long ice_connect_ms = -1;            // from the answer to that pair
  std::uint64_t ice_unsent = 0;        // RTP/RTCP packets made before a pair was selected
};

class CallMedia {
 public:
  explicit CallMedia(CallMediaOptions options);
  ~CallMedia();

  // Binds the RTP ports, or gathers the ICE candidates; false with `error`
  // set when impossible.
  bool open(std::string& error);
  // Our SDP: the initial offer, or a re-offer (hold true: a=sendonly).
  std::string offer(bool hold, std::string& error);
  // Opens the speaker (and the ringback file); false with `error` set
  // when the device, the file or the rate cannot be had.
  bool open_speaker(std::string& error);
  // A provisional response to the INVITE: 180/183 start the ringback.
  void on_provisional(int status, bool carries_answer);
  // The peer's answer to our last offer; starts or updates the stream.
  bool on_answer(const std::string& sdp, std::string& error);
  // The offer was refused (e.g. 488): the negotiation goes back (RFC 3264 §4).
  void on_rejected();
  // The peer's offer in a re-INVITE (RFC 3264 §8): `answer` set to ours and
  // the stream updated to it (codec, remote address, direction). False with
  // `error` set and `answer` empty when it cannot be accepted (the session
  // stays as it was); false with `answer` set when the stream could not
  // follow the answer made.
  bool on_offer(const std::string& sdp, std::string& answer, std::string& error);
  // Whether our side of the session is on hold (our last offer was a hold).
  bool on_hold() const { return sdp_->on_hold(); }
  // Stops the stream (RTCP BYE) and the media thread; then report() is final.
  void stop();
  const CallMediaReport& report() const { return report_; }

 private:
  bool open_ice(sdp::LocalCapabilities& caps, std::string& error);
  bool start_ice(const sdp::NegotiatedStream& audio, std::string& error);
  bool apply_session(std::string_view no_audio, std::string& error);
  void start_stream(const sdp::NegotiatedStream& audio, std::string& error);
  bool start_codec(const sdp::NegotiatedStream& audio, std::string& error);
  void tick();
  void ensure_ticking();
  void play_speaker(std::chrono::steady_clock::time_point now);
  void update_ringback();
  void send_digits(std::size_t next);

  CallMediaOptions options_;
  boost::asio::io_context io_;  // the media executor, on thread_
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
  boost::asio::steady_timer frame_timer_;  // the media tick: one frame out, one played
  boost::asio::steady_timer digit_timer_;
  std::shared_ptr<rtp::IceTransport> ice_;  // with ICE; the stream goes over it
  std::optional<std::chrono::steady_clock::time_point> ice_started_;
  std::shared_ptr<rtp::RtpStream> stream_;
  std::optional<CallSdp> sdp_;
  // From the negotiated codec (again after a re-INVITE that changes it).
  media::CodecFormat format_;
  std::unique_ptr<media::AudioEncoder> encoder_;
  std::unique_ptr<media::AudioDecoder> decoder_;
  std::unique_ptr<media::JitterBuffer> jitter_;
  std::optional<media::ToneGenerator> tone_;
  std::vector<std::int16_t> sent_frame_;    // the tone, mono, at the encoder's rate
  std::vector<std::int16_t> played_frame_;  // the jitter buffer's, at the decoder's rate
  std::vector<std::int16_t> played_mono_;
  std::unique_ptr<media::WavFileSink> recording_;
  std::optional<media::CallRecorder> recorder_;
  media::AudioReception reception_;
  bool ticking_ = false;
  bool on_hold_ = false;

  std::unique_ptr<Speaker> speaker_;
  std::shared_ptr<media::AudioSource> call_audio_;    // this tick's played frame
  std::unique_ptr<media::Resampler> to_speaker_;      // decoder rate to the speaker's
  std::shared_ptr<media::AudioSource> ringback_source_;
  std::optional<media::Mixer::SourceId> ringback_id_;
  std::vector<media::Mixer::SourceId> feedback_ids_;  // the DTMF digit being sent
  std::chrono::steady_clock::time_point feedback_until_;
  session::OutboundRingback ringback_;
  std::vector<std::int16_t> resampled_;
  bool digits_started_ = false;
  CallMediaReport report_;
};

}  // namespace cosip::apps
