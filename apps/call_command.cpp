#include "apps/call_command.hpp"

#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "apps/call_media.hpp"
#include "sip/auth/digest.hpp"
#include "sip/syntax/writer.hpp"
#include "sip/ua/session_timer.hpp"
#include "sip/ua/user_agent.hpp"

namespace cosip::apps {
namespace {

using namespace cosip::sip;

class Caller {
 public:
  Caller(boost::asio::io_context& io, const CallOptions& options, UserAgentConfig config)
      : io_(io),
        options_(options),
        timer_(io),
        deadline_(io),
        ua_(io.get_executor(), std::move(config),
            {.on_request = [this](const UserAgentCore::IncomingRequest& r) { on_request(r); },
             .on_ack = [this](Dialog&, const Message& ack) { on_ack(ack); },
             .on_cancel = {},
             .on_dialog_end = [this](const Dialog&, std::string_view why) { finish(0, "call ended by the peer's " + std::string(why)); },
             .on_response = [this](TransactionId id, const Message& m, Dialog* d) { on_response(id, m, d); },
             .on_request_failed = [this](TransactionId, TransactionEvent::Kind kind) {
               finish(1, kind == TransactionEvent::Kind::timeout ? "no response (timeout)" : "transport error");
             },
             .on_session_refresh = [this](Dialog& d, std::uint32_t interval) { send_refresh(d, interval); }}) {}

  int status() const { return status_; }

  bool start(Transport transport) {
    ua_.start();
    if (options_.verbose) ua_.set_trace([](std::string_view line) { std::cout << line << std::endl; });
    if (!UserAgent::target_for(options_.uri, target_)) {
      std::cerr << "error: cannot reach " << options_.uri << " (a SIP URI with a numeric host is needed)\n";
      return false;
    }
    target_.address.transport = transport;
    if (options_.audio) {
      CallMediaOptions m;
      m.tone_hz = options_.tone_hz;
      m.codec = options_.codec;
      m.record = options_.record;
      m.speaker = options_.speaker;
      m.ringback = options_.ringback;
      m.dtmf = options_.dtmf;
      m.ice = options_.ice;
      m.srtp = options_.srtp == "mandatory" ? sdp::SrtpMode::mandatory
               : options_.srtp == "optional" ? sdp::SrtpMode::optional
                                             : sdp::SrtpMode::off;
      media_ = std::make_unique<CallMedia>(m);
      std::string error;
      if (!media_->open(error) || !media_->open_speaker(error) || (offer_ = media_->offer(false, error)).empty()) {
        std::cerr << "error: " << error << '\n';
        return false;
      }
    } else {
      // No media: the same offer/answer with PCMU and PCMA on a port no RTP
      // is sent from, so that the peer's re-INVITEs get real answers.
      sdp::LocalCapabilities caps;
      caps.username = "cosip";
      caps.session_id = random_session_id();
      caps.session_version = 1;
      caps.address = "127.0.0.1";
      caps.audio.port = 40000;
      caps.audio.rtcp_mux = false;
      caps.audio.codecs = {sdp::AudioCodec("PCMU", 8000, 1, 0), sdp::AudioCodec("PCMA", 8000, 1, 8)};
      caps.msrp.chat = false;
      caps.msrp.file_transfer = false;
      signalling_.emplace(std::move(caps));
      std::string error;
      offer_ = signalling_->offer(false, error);
    }
    if (!options_.user.empty()) digest_.add_account({options_.user, options_.password, {}});
    session_interval_ = static_cast<std::uint32_t>(options_.session_expires);
    call_id_ = ua_.core().ids().call_id("127.0.0.1");
    from_tag_ = ua_.core().ids().tag();
    deadline_.expires_after(std::chrono::seconds(options_.timeout_s));
    deadline_.async_wait([this](boost::system::error_code ec) {
      if (!ec) finish(1, "timed out");
    });
    send_invite({});
    return true;
  }

 private:
  void send_invite(const std::vector<AuthHeader>& auth) {
    ++cseq_;
    MessageWriter w;
    w.request_line("INVITE", options_.uri);
    w.header(HeaderId::via, ua_.via_for(target_.address.transport) + ";rport;branch=" + ua_.core().ids().branch());
    w.header(HeaderId::max_forwards, std::string_view("70"));
    w.header(HeaderId::from, "<sip:cosip@127.0.0.1>;tag=" + from_tag_);
    w.header(HeaderId::to, "<" + options_.uri + ">");
    w.header(HeaderId::call_id, call_id_);
    w.header(HeaderId::cseq, std::to_string(cseq_) + " INVITE");
    w.header(HeaderId::contact, "<" + ua_.core().config().contact + ">");
    // The extensions the core was configured with (100rel with --100rel).
    std::string supported;
    for (const std::string& tag : ua_.core().config().supported) supported += (supported.empty() ? "" : ", ") + tag;
    if (!supported.empty()) w.header(HeaderId::supported, supported);
    // RFC 4028 §7.1: the interval we ask for, and after a 422 the Min-SE learnt.
    if (session_interval_ > 0) w.header(HeaderId::session_expires, std::to_string(session_interval_));
    if (min_se_ > 0) w.header(HeaderId::min_se, std::to_string(min_se_));
    for (const AuthHeader& h : auth) w.header(h.name(), h.value);
    invite_ = w.finish(offer_, "application/sdp");
    invite_id_ = ua_.send_request(invite_, target_);
  }

  // Our side of the offer/answer: CallMedia's with --audio (which moves the
  // media along), else the signalling-only one.
  std::string sdp_offer(bool hold, std::string& error) {
    return media_ ? media_->offer(hold, error) : signalling_->offer(hold, error);
  }
  bool sdp_answer(const Message& m, std::string& error) {
    return media_ ? media_->on_answer(std::string(m.body), error) : signalling_->on_answer(std::string(m.body), error);
  }
  bool sdp_peer_offer(const Message& m, std::string& answer, std::string& error) {
    return media_ ? media_->on_offer(std::string(m.body), answer, error)
                  : signalling_->on_offer(std::string(m.body), answer, error);
  }
  void sdp_rejected() { media_ ? media_->on_rejected() : signalling_->on_rejected(); }
  bool sdp_on_hold() const { return media_ ? media_->on_hold() : signalling_->on_hold(); }

  // A request in the dialog: a re-INVITE gets our answer to its offer, or
  // our session as an offer when it has none (RFC 3261 §14.2, RFC 3264 §8);
  // anything else (INFO, MESSAGE) a 200.
  void on_request(const UserAgentCore::IncomingRequest& r) {
    UserAgentCore& core = ua_.core();
    if (r.request.method != "INVITE") {
      core.respond(r.id, ua_.now(), 200);
      return;
    }
    std::string sdp;
    std::string error;
    if (r.request.body.empty()) {
      // The 200 carries the offer; the answer comes in the ACK.
      sdp = sdp_offer(sdp_on_hold(), error);
      if (sdp.empty()) {
        // §14.2: our own offer is still outstanding (the core 491s those with a body).
        std::cout << "re-INVITE without an offer: 491 (" << error << ")" << std::endl;
        core.respond(r.id, ua_.now(), 491);
        return;
      }
      offer_in_200_ = true;
      std::cout << "re-INVITE without an offer: ours in the 200" << std::endl;
    } else if (!sdp_peer_offer(r.request, sdp, error) && sdp.empty()) {
      // §14.2: refused, and the session goes on as it was.
      std::cout << "re-INVITE: 488 (" << error << ")" << std::endl;
      core.respond(r.id, ua_.now(), 488);
      return;
    } else {
      std::cout << "re-INVITE: answered" << (error.empty() ? "" : " (media: " + error + ")") << std::endl;
    }
    core.respond(r.id, ua_.now(), 200, {}, {}, sdp, "application/sdp");
    if (!error.empty()) finish(1, "media: " + error);
  }

  // The ACK of our 200 to a re-INVITE without an offer carries the answer
  // to the offer that 200 made (RFC 3264 §4).
  void on_ack(const Message& ack) {
    if (!offer_in_200_) return;
    offer_in_200_ = false;
    std::string error;
    if (ack.body.empty()) {
      sdp_rejected();
      finish(1, "the ACK has no answer to our offer");
    } else if (!sdp_answer(ack, error)) {
      finish(1, "media: " + error);
    } else {
      std::cout << "re-INVITE: the ACK's answer applied" << std::endl;
    }
  }

  // §9.1: CANCEL copies the INVITE's Request-URI, top Via, From, To,
  // Call-ID and CSeq number.
  void send_cancel() {
    Message m;
    if (parse_message(invite_, m)) return;
    MessageWriter w;
    w.request_line("CANCEL", m.request_uri_text);
    w.header(*m.find(HeaderId::via));
    w.header(HeaderId::max_forwards, std::string_view("70"));
    w.header(*m.find(HeaderId::from));
    w.header(*m.find(HeaderId::to));
    w.header(*m.find(HeaderId::call_id));
    w.header(HeaderId::cseq, std::to_string(cseq_) + " CANCEL");
    ua_.send_request(w.finish(), target_);
    std::cout << "CANCEL sent" << std::endl;
  }

  void on_response(TransactionId id, const Message& m, Dialog* dialog) {
    const int code = m.status_code;
    if (id == invite_id_) {
      if (code < 200) {
        if (media_) media_->on_provisional(code, !m.body.empty());
        // The core passes on each reliable 1xx once, after its PRACK (RFC 3262 §4).
        if (const Header* rseq = m.find(HeaderId::rseq))
          std::cout << code << " " << m.reason_phrase << " (reliable, RSeq " << rseq->value << ")" << std::endl;
        if (options_.cancel_after_ms >= 0 && code > 100 && !cancel_planned_) {
          cancel_planned_ = true;
          after(options_.cancel_after_ms, [this] { send_cancel(); });
        }
        return;
      }
      if ((code == 401 || code == 407) && !options_.user.empty()) {
        const DigestAnswer answer = digest_.on_challenge(m, {"INVITE", options_.uri, {}}, auth_state_);
        if (answer) {
          std::cout << code << " challenge answered" << std::endl;
          send_invite(answer.headers);
          return;
        }
        finish(1, "cannot answer the challenge: " + std::string(to_string(answer.error)));
        return;
      }
      // RFC 4028 §7.3: a 422 names the smallest interval the callee takes; ask again with it.
      if (code == 422 && session_interval_ > 0) {
        if (const std::optional<std::uint32_t> least = min_se(m); least && *least > session_interval_) {
          session_interval_ = min_se_ = *least;
          std::cout << "422: asking again with Session-Expires " << session_interval_ << std::endl;
          send_invite({});
          return;
        }
      }
      std::cout << "INVITE: " << code << " " << m.reason_phrase << std::endl;
      if (code >= 300) {
        finish(code == options_.expect ? 0 : 1, "final response " + std::to_string(code));
        return;
      }
      if (options_.expect != 200 || dialog == nullptr) {
        finish(1, "answered, but " + std::to_string(options_.expect) + " was expected");
        return;
      }
      dialog_ = dialog->id();
      std::string error;
      if (!sdp_answer(m, error)) {
        finish(1, "media: " + error);
        return;
      }
      if (media_) std::cout << "media: RTP started" << std::endl;
      if (const std::optional<SessionExpires> se = session_expires(m))
        std::cout << "session timer: " << se->seconds << " s, refreshed by "
                  << (se->refresher == Refresher::uas ? "the callee" : "us") << std::endl;
      if (options_.reinvite) send_reinvite(*dialog);
      else plan_hangup();
      return;
    }
    if (id == reinvite_id_ && code >= 200) {
      std::cout << "re-INVITE: " << code << " " << m.reason_phrase << std::endl;
      Dialog* d = ua_.core().find_dialog(dialog_);
      if (code >= 300) sdp_rejected();
      if (code < 300) {
        std::string error;
        if (!sdp_answer(m, error)) {
          finish(1, "media: " + error);
          return;
        }
      }
      if (code == 491 && !reinvite_retried_ && d != nullptr) {
        // §14.1: glare; try once more after the back-off.
        reinvite_retried_ = true;
        const auto wait = glare_retry_delay(*d, ua_.core().ids());
        std::cout << "glare: re-INVITE again in " << std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()
                  << " ms" << std::endl;
        after(static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()), [this] {
          if (Dialog* again = ua_.core().find_dialog(dialog_)) send_reinvite(*again);
        });
        return;
      }
      if (code >= 300) finish(1, "re-INVITE failed");
      else plan_hangup();
      return;
    }
    if (id == refresh_id_ && code >= 200) {
      // The refresh re-offered our session (RFC 4028 §7.4): its answer, or
      // its refusal, closes that offer like any other (RFC 3264 §4).
      std::cout << "session refresh: " << code << std::endl;
      std::string error;
      if (code >= 300) sdp_rejected();
      else if (!sdp_answer(m, error)) finish(1, "media: the refresh's answer: " + error);
    }
    if (id == bye_id_ && code >= 200) finish(code < 300 ? 0 : 1, "BYE: " + std::to_string(code));
  }

  // RFC 4028 §10: a refresh is due (half the interval has passed): a
  // re-INVITE with our session, naming us as the refresher again.
  void send_refresh(Dialog& dialog, std::uint32_t interval) {
    Dialog::Request r;
    r.extra_headers = std::string(canonical_name(HeaderId::session_expires)) + ": " +
                      to_string(SessionExpires{interval, Refresher::uac}) + "\r\n";
    refresh_id_ = send_in_dialog(dialog, std::move(r), false);
  }

  void send_reinvite(Dialog& dialog) { reinvite_id_ = send_in_dialog(dialog, {}, true); }

  // A re-INVITE in `dialog` offering our session (hold: a=sendonly).
  TransactionId send_in_dialog(Dialog& dialog, Dialog::Request r, bool hold) {
    SendTarget next;
    if (!UserAgent::target_for(dialog.next_hop(), next)) {
      finish(1, "cannot reach the dialog's target " + dialog.next_hop());
      return 0;
    }
    next.address.transport = target_.address.transport;
    r.method = "INVITE";
    r.via = ua_.via_for(next.address.transport) + ";rport;branch=" + ua_.core().ids().branch();
    r.contact = "<" + ua_.core().config().contact + ">";
    std::string error;
    r.body = sdp_offer(hold, error);
    if (r.body.empty()) {
      finish(1, "media: " + error);
      return 0;
    }
    r.content_type = "application/sdp";
    return ua_.send_request(dialog.make_request(r), next);
  }

  void plan_hangup() {
    if (options_.hangup_ms < 0) return;  // the peer hangs up
    after(options_.hangup_ms, [this] {
      bye_id_ = ua_.send_bye(dialog_);
      if (bye_id_ == 0) finish(1, "cannot send BYE");
    });
  }

  template <class F>
  void after(int ms, F f) {
    timer_.expires_after(std::chrono::milliseconds(ms));
    timer_.async_wait([f = std::move(f)](boost::system::error_code ec) {
      if (!ec) f();
    });
  }

  void finish(int status, const std::string& why) {
    if (done_) return;
    done_ = true;
    status_ = status;
    std::cout << why << (status == 0 ? "" : " (not as expected)") << std::endl;
    if (media_) {
      media_->stop();
      if (!media_report_as_expected(media_->report()) && status_ == 0) status_ = 1;
    }
    // Let the last ACK or 200 leave before stopping.
    timer_.expires_after(std::chrono::milliseconds(200));
    timer_.async_wait([this](boost::system::error_code) { io_.stop(); });
    deadline_.cancel();
  }

  // One line on the call's audio; false when it misses what the options expect.
  bool media_report_as_expected(const CallMediaReport& r) const {
    const double share = media::median_tone_energy_share(
        r.samples, r.sample_rate, options_.expect_tone_hz > 0 ? options_.expect_tone_hz : options_.tone_hz);
    std::cout << std::fixed << std::setprecision(2) << "media: sent " << r.packets_sent << " RTP packets, received "
              << r.packets_received << " (lost " << r.packets_lost << ", jitter " << r.jitter_ms << " ms, dropped "
              << r.dropped << ")" << (r.srtp_suite.empty() ? ", plain RTP" : ", SRTP " + r.srtp_suite)
              << "; decoded " << r.samples.size() << " samples at " << media::rms_dbfs(r.samples) << " dBFS";
    if (options_.expect_tone_hz > 0) std::cout << ", " << options_.expect_tone_hz << " Hz share " << share;
    std::cout << "; digits received: \"" << r.digits << "\"" << std::endl;
    const media::JitterBufferStatistics& j = r.jitter;
    std::cout << "media: codec " << r.codec << "; jitter buffer: " << j.played_packets << " played, "
              << j.fec_recovered << " recovered by FEC, " << j.late_packets << " late, " << j.lost_packets
              << " lost, " << j.duplicate_packets << " duplicates, " << j.concealed_frames
              << " frames concealed, mean added delay " << j.mean_added_delay().count() / 1000.0
              << " ms, target " << j.target_delay.count() / 1000.0 << " ms; audio "
              << (r.audio_was_received ? "was received" : "was not received")
              << (r.got_no_audio ? " (none in the first 5 s)" : "");
    if (!options_.record.empty()) std::cout << "; recorded " << r.recorded_frames << " frames to " << options_.record;
    if (!options_.speaker.empty())
      std::cout << "; speaker: " << r.speaker_frames << " frames, " << r.ringback_frames << " of ringback";
    std::cout << std::endl;
    bool ok = true;
    if (options_.ice) {
      if (r.ice_pair.empty()) {
        std::cout << "media: ICE selected no pair" << std::endl;
        ok = false;
      } else {
        std::cout << "media: ICE pair " << r.ice_pair << " selected " << r.ice_connect_ms
                  << " ms after the answer; " << r.ice_unsent << " packets made before it were not sent" << std::endl;
      }
    }
    if (options_.expect_tone_hz > 0 && (share < 0.5 || r.samples.size() < static_cast<std::size_t>(r.sample_rate))) {
      std::cout << "media: the expected " << options_.expect_tone_hz << " Hz tone was not received" << std::endl;
      ok = false;
    }
    if (!options_.expect_dtmf.empty() && r.digits != options_.expect_dtmf) {
      std::cout << "media: digits \"" << options_.expect_dtmf << "\" expected" << std::endl;
      ok = false;
    }
    return ok;
  }

  boost::asio::io_context& io_;
  const CallOptions& options_;
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer deadline_;
  UserAgent ua_;
  DigestClient digest_;
  DigestRequestState auth_state_;
  SendTarget target_;
  std::string call_id_;
  std::string from_tag_;
  std::uint32_t cseq_ = 0;
  std::string invite_;
  std::string offer_;  // the INVITE's SDP, the same again after a challenge
  std::unique_ptr<CallMedia> media_;
  std::optional<CallSdp> signalling_;  // without --audio
  TransactionId invite_id_ = 0;
  TransactionId reinvite_id_ = 0;
  TransactionId refresh_id_ = 0;
  std::uint32_t session_interval_ = 0;  // Session-Expires we ask for; 0: none
  std::uint32_t min_se_ = 0;            // Min-SE a 422 taught us
  TransactionId bye_id_ = 0;
  DialogId dialog_;
  bool cancel_planned_ = false;
  bool reinvite_retried_ = false;
  bool offer_in_200_ = false;  // our 200 to a re-INVITE offered; its ACK answers
  bool done_ = false;
  int status_ = 1;
};

}  // namespace

int run_call(const CallOptions& options) {
  Transport transport;
  if (options.transport == "udp") transport = Transport::udp;
  else if (options.transport == "tcp") transport = Transport::tcp;
  else if (options.transport == "tls") transport = Transport::tls;
  else {
    std::cerr << "error: --transport must be udp, tcp or tls\n";
    return 2;
  }
  UserAgentConfig config;
  // Listen where replies and in-dialog requests come back: UDP always (the
  // default Contact), and the stream transport used.
  config.listen.push_back({Transport::udp, boost::asio::ip::make_address("127.0.0.1"), 0});
  if (transport != Transport::udp)
    config.listen.insert(config.listen.begin(), {Transport::tcp, boost::asio::ip::make_address("127.0.0.1"), 0});
  config.transport.tls.ca_file = options.tls_ca;
  config.transport.tls.verify_peer = !options.tls_no_verify;
  config.ua.user_agent = "cosip/0.1";
  config.ua.reliable_provisionals = options.reliable_provisionals;
  if (options.session_expires > 0) {
    config.ua.session_timer.enabled = true;
    config.ua.session_timer.session_expires = static_cast<std::uint32_t>(options.session_expires);
  }

  boost::asio::io_context io(1);
  Caller caller(io, options, std::move(config));
  try {
    if (!caller.start(transport)) return 2;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 2;
  }
  io.run();
  return caller.status();
}

}  // namespace cosip::apps
