// The RFC 3264 offer/answer negotiator for audio (RTP/AVP, SDES-SRTP, ICE),
// MSRP chat (RFC 4975) and MSRP file transfer (RFC 5547). Pure: keys, ICE
// credentials, session ids and ports come in LocalCapabilities; nothing is
// random, nothing touches a socket.
//
// Flow (one offer outstanding at a time, RFC 3264 §4):
//   stable --make_offer / reoffer / hold / unhold / add_stream / remove_stream--> offer_sent
//   offer_sent --process_answer--> stable        (the answer becomes the session)
//   offer_sent --rollback--> stable              (offer refused, e.g. 488: nothing changes)
//   stable --answer(offer)--> stable             (the remote offer and our answer become the session)
// Each stream is an m-line slot that keeps its index for the whole session
// (§8): a removed or refused stream keeps its slot with port 0, and a new
// stream reuses the first such slot before a new m-line is appended (§8.1).
// Our o= version grows by one for each description that differs from the
// previous one we sent, and stays when nothing changed (§8).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sdp/offer_answer.hpp"
#include "sdp/session_description.hpp"

namespace cosip::sdp {

enum class StreamKind : std::uint8_t { audio, chat, file_transfer, unsupported };
std::string_view to_string(StreamKind k);

enum class SrtpMode : std::uint8_t {
  off,        // RTP/AVP, crypto lines of offers ignored
  optional,   // RTP/AVP with a=crypto offered; SRTP used when the peer answers with one
  mandatory,  // RTP/SAVP offered; streams without an acceptable crypto line refused
};

struct AudioCodec {
  std::string encoding;  // "opus", "PCMU", ...
  std::uint32_t clock_rate = 8000;
  std::uint16_t channels = 1;
  std::string fmtp;              // parameters we receive with, "" for none
  int static_payload_type = -1;  // RFC 3551 static type, or -1: dynamic (96..127)

  AudioCodec() = default;
  AudioCodec(std::string enc, std::uint32_t rate, std::uint16_t ch, int static_pt = -1, std::string params = {})
      : encoding(std::move(enc)), clock_rate(rate), channels(ch), fmtp(std::move(params)), static_payload_type(static_pt) {}
};

// An SDES key (RFC 4568 inline key-params) for one suite.
struct SrtpKey {
  std::string suite;     // AES_CM_128_HMAC_SHA1_80 / _32, AEAD_AES_128_GCM
  std::string key_salt;  // base64 of srtp_key_salt_bytes(suite) bytes
};

struct IceParameters {
  std::string ufrag;
  std::string pwd;
  std::vector<std::string> options;     // a=ice-options tags
  std::vector<std::string> candidates;  // a=candidate values
};

struct AudioCapabilities {
  std::vector<AudioCodec> codecs;  // in preference order
  bool telephone_event = true;     // RFC 4733 events 0-16 at 8000 Hz
  std::uint16_t port = 0;
  bool rtcp_mux = true;  // RFC 5761
  // a=rtcp (RFC 3605) when RTCP is not on port + 1, e.g. on ICE's default
  // RTCP candidate (RFC 8839 §4.2.1.2); 0: none. Not sent when muxed.
  std::uint16_t rtcp_port = 0;
  std::uint32_t ptime = 20;
  SrtpMode srtp = SrtpMode::off;
  std::vector<SrtpKey> srtp_keys;  // one per suite, in preference order
  std::optional<IceParameters> ice;
};

struct MsrpCapabilities {
  bool chat = true;
  bool file_transfer = true;
  std::string host;  // authority of our MSRP URIs
  std::uint16_t port = 0;
  bool tls = false;                // TCP/TLS/MSRP and msrps:
  std::string session_id_prefix;   // random per session; stream n's session-id is prefix + n
  std::vector<std::string> accept_types{"message/cpim", "text/plain"};
  std::vector<std::string> accept_wrapped_types{"text/plain", "message/imdn+xml"};
  std::optional<std::uint64_t> max_size;
  // Our relay's Use-Path (RFC 4976 §6), when our streams go through one:
  // a=path is these URIs, then ours. Such a side connects only to its
  // relay, so it asks the peer to connect: it offers a=setup:passive and
  // answers passive but to a passive offer (msrp/connection_role.hpp).
  std::vector<std::string> relay_path;
};

struct LocalCapabilities {
  std::string username = "-";
  std::string session_id = "0";       // 1*DIGIT, random per session (RFC 8866 §5.2)
  std::uint64_t session_version = 0;  // version of our first description
  std::string address;                // our media address (IPv4 or IPv6 literal)
  AudioCapabilities audio;
  MsrpCapabilities msrp;
};

// A file offered for transfer (RFC 5547 §6).
struct FileDescription {
  std::string name;
  std::string type;  // media type
  std::optional<std::uint64_t> size;
  std::string hash_algorithm;  // "sha-1", or "" for none
  std::string hash;
  std::string transfer_id;  // a=file-transfer-id, unique per transfer
  std::string disposition;  // "render", "attachment", or "" for none
  std::string date;         // a=file-date value verbatim, or ""
  bool operator==(const FileDescription&) const = default;
};

struct StreamRequest {
  StreamKind kind = StreamKind::audio;
  Direction direction = Direction::sendrecv;  // file transfer: sendonly pushes, recvonly pulls
  std::optional<FileDescription> file;

  static StreamRequest audio() { return {}; }
  static StreamRequest chat() {
    StreamRequest r;
    r.kind = StreamKind::chat;
    return r;
  }
  static StreamRequest send_file(FileDescription f) {
    StreamRequest r;
    r.kind = StreamKind::file_transfer;
    r.direction = Direction::sendonly;
    r.file = std::move(f);
    return r;
  }
};

struct SrtpParameters {
  std::string suite;
  std::uint32_t tag = 0;
  std::string local_key;   // base64 key||salt we send with
  std::string remote_key;  // base64 key||salt the peer sends with
};

// What the session layer reads for one m-line once an offer/answer completed.
struct NegotiatedStream {
  std::size_t index = 0;  // m-line
  StreamKind kind = StreamKind::audio;
  bool accepted = false;  // port non-zero on both sides
  Direction direction = Direction::inactive;  // ours: sendonly = we send, we do not receive
  bool remote_hold = false;  // the peer does not receive (sendonly / inactive / c=0.0.0.0)
  std::string remote_address;
  std::uint16_t remote_port = 0;

  // audio
  std::string codec;  // encoding name, as we spell it
  std::uint32_t clock_rate = 0;
  std::uint16_t channels = 0;
  std::uint8_t payload_type = 0;
  std::string codec_fmtp;  // the peer's fmtp for that payload type
  std::optional<std::uint8_t> telephone_event_payload_type;
  std::uint32_t remote_ptime = 0;  // 0: none given
  bool rtcp_mux = false;
  std::string remote_rtcp_address;
  std::uint16_t remote_rtcp_port = 0;
  std::optional<SrtpParameters> srtp;
  std::optional<IceParameters> remote_ice;

  // MSRP
  std::string local_path;
  std::vector<std::string> remote_path;
  std::vector<std::string> remote_accept_types;
  std::vector<std::string> remote_accept_wrapped_types;
  std::optional<std::uint64_t> remote_max_size;
  bool msrp_active = false;  // we open the TCP connection (RFC 4975 §5.4, RFC 6135)
  std::optional<FileDescription> file;
};

struct NegotiatedSession {
  std::vector<NegotiatedStream> streams;  // one per m-line
  // The first accepted stream of that kind, or null.
  const NegotiatedStream* find(StreamKind kind) const;
};

enum class NegotiationErrc : std::uint8_t {
  ok = 0,
  offer_pending,     // RFC 3264 §4: no new offer while one is outstanding
  no_offer_pending,  // an answer or rollback without an offer
  invalid_offer,     // a remote offer breaks RFC 3264 (e.g. fewer m-lines, §8)
  invalid_answer,    // validate_answer() failed: the detail says why
  not_acceptable,    // no stream of the offer can be accepted (the session layer sends 488)
  no_such_stream,    // remove_stream() of an m-line that is not there or already off
  session_exists,    // make_offer() once streams exist: use add_stream() or reoffer()
};

struct NegotiationError {
  NegotiationErrc code = NegotiationErrc::ok;
  std::string detail;
  explicit operator bool() const { return code != NegotiationErrc::ok; }
  std::string message() const;
};

struct AnswerOptions {
  std::vector<std::size_t> refuse;  // m-lines the application declines (e.g. a file the user refused)
};

namespace detail {
// The negotiator's record of one m-line: what the stream is and what a
// disabled one keeps showing (media, proto, formats with port 0).
struct StreamSlot {
  StreamKind kind = StreamKind::audio;
  bool enabled = true;
  Direction want = Direction::sendrecv;  // ours, hold aside
  std::optional<FileDescription> file;
  std::string msrp_session_id;
  std::vector<int> codec_pts;  // payload type of each capability codec, -1: not yet assigned
  int telephone_event_pt = -1;
  std::string media, proto;
  std::vector<std::string> formats;
};
}  // namespace detail

class Negotiator {
 public:
  enum class State : std::uint8_t { stable, offer_sent };

  explicit Negotiator(LocalCapabilities capabilities);

  // Initial offer, one m-line per request.
  NegotiationError make_offer(const std::vector<StreamRequest>& streams, SessionDescription& offer);
  // A new offer of the current streams (session refresh); same o= version when unchanged.
  NegotiationError reoffer(SessionDescription& offer);
  // RFC 3264 §8.4: audio sendonly (inactive if we were only receiving); unhold restores it.
  NegotiationError hold(SessionDescription& offer);
  NegotiationError unhold(SessionDescription& offer);
  // RFC 3264 §8.1, §8.2: a stream reuses a port-0 slot or is appended; removal sets port 0.
  NegotiationError add_stream(const StreamRequest& stream, SessionDescription& offer);
  NegotiationError remove_stream(std::size_t index, SessionDescription& offer);

  NegotiationError process_answer(const SessionDescription& answer);
  NegotiationError rollback();

  // Answers an initial offer or a re-offer (RFC 3264 §6, §8).
  NegotiationError answer(const SessionDescription& offer, SessionDescription& answer,
                          const AnswerOptions& options = {});

  State state() const { return state_; }
  bool on_hold() const { return held_; }
  const NegotiatedSession& session() const { return session_; }
  const std::optional<SessionDescription>& local_description() const { return local_; }
  const std::optional<SessionDescription>& remote_description() const { return remote_; }

 private:
  NegotiationError start_offer(std::vector<detail::StreamSlot> slots, SessionDescription& offer);
  SessionDescription base_description() const;
  void stamp_version(SessionDescription& sd);
  detail::StreamSlot new_slot(const StreamRequest& request);

  LocalCapabilities caps_;
  State state_ = State::stable;
  bool held_ = false;
  bool pending_held_ = false;
  std::uint64_t version_;
  std::size_t msrp_counter_ = 0;
  std::vector<detail::StreamSlot> slots_;
  std::vector<detail::StreamSlot> pending_slots_;
  std::optional<SessionDescription> local_;
  std::optional<SessionDescription> remote_;
  std::optional<SessionDescription> pending_offer_;
  NegotiatedSession session_;
};

}  // namespace cosip::sdp
