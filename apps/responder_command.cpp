#include "apps/responder_command.hpp"

#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "apps/notifications.hpp"
#include "apps/speaker.hpp"
#include "session/ringtones.hpp"
#include "sip/syntax/writer.hpp"
#include "sip/ua/user_agent.hpp"

namespace cosip::apps {
namespace {

using namespace cosip::sip;

// "udp:127.0.0.1:5060", "tcp:[::1]:5062".
bool parse_listen(const std::string& spec, TransportAddress& out) {
  const std::size_t colon = spec.find(':');
  const std::size_t last = spec.rfind(':');
  if (colon == std::string::npos || last == colon) return false;
  const std::string kind = spec.substr(0, colon);
  if (kind == "udp") out.transport = Transport::udp;
  else if (kind == "tcp") out.transport = Transport::tcp;
  else if (kind == "tls") out.transport = Transport::tls;
  else return false;
  std::string host = spec.substr(colon + 1, last - colon - 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  out.address = boost::asio::ip::make_address(host, ec);
  if (ec) return false;
  try {
    const int port = std::stoi(spec.substr(last + 1));
    if (port < 0 || port > 65535) return false;
    out.port = static_cast<std::uint16_t>(port);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

// An answer to an offer without one: a minimal session that receives nothing.
std::string session_for(const Message& invite) {
  if (!invite.body.empty()) return std::string(invite.body);
  return "v=0\r\no=cosip 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
         "m=audio 9 RTP/AVP 0\r\na=inactive\r\n";
}

constexpr std::chrono::milliseconds frame_time{20};  // of the speaker

class Responder {
 public:
  Responder(boost::asio::io_context& io, const ResponderOptions& options, UserAgentConfig config)
      : io_(io),
        options_(options),
        speaker_timer_(io),
        ua_(io.get_executor(), std::move(config),
            {.on_request = [this](const UserAgentCore::IncomingRequest& r) { on_request(r); },
             .on_ack = [this](Dialog& d, const Message&) { on_ack(d); },
             .on_cancel = [this](TransactionId id) { stop_ringing(id, "cancelled"); },
             .on_dialog_end =
                 [this](const Dialog& d, std::string_view why) {
                   if (options_.verbose) std::cout << "dialog " << d.id().call_id << " ended: " << why << std::endl;
                 },
             .on_response = {},
             .on_request_failed = {},
             .on_session_refresh = {}}) {}

  void start() {
    open_speaker();
    ua_.start();
    if (options_.verbose) ua_.set_trace([](std::string_view line) { std::cout << line << std::endl; });
    for (const TransportAddress& l : ua_.listeners()) std::cout << "listening on " << to_string(l) << std::endl;
    if (!options_.register_aor.empty()) start_registration();
  }

  // Stays registered until stopped; the registration retries on its own.
  void start_registration() {
    RegistrationConfig rc;
    if (!registration_config(options_.register_aor, options_.registrar, {}, ua_.core().config().contact, rc))
      throw std::invalid_argument("--register: not a sip: or sips: URI: " + options_.register_aor);
    digest_.add_account({user_of(options_.register_aor), options_.password, {}});
    registration_ = std::make_unique<Registration>(
        std::move(rc), &digest_, ua_.core().ids(),
        [](const RegistrationEvent& e) { std::cout << describe(e) << std::endl; });
    ua_.add_usage(*registration_);
    registration_->start(ua_.now());
    ua_.flush();
  }

 private:
  void on_request(const UserAgentCore::IncomingRequest& r) {
    UserAgentCore& core = ua_.core();
    const Message& req = r.request;
    if (req.method == "MESSAGE" && options_.verbose) std::cout << describe(received_message(req)) << std::endl;
    if (req.method != "INVITE") {
      core.respond(r.id, ua_.now(), 200);
      return;
    }
    const int code = options_.code;
    if (code >= 300) {
      core.respond(r.id, ua_.now(), code);
      return;
    }
    std::string body = session_for(req);
    if (options_.ring_ms <= 0 || r.dialog != nullptr) {
      if (r.dialog == nullptr) core.respond(r.id, ua_.now(), 180);
      core.respond(r.id, ua_.now(), code, {}, {}, body, "application/sdp");
      return;
    }
    core.respond(r.id, ua_.now(), 180);
    Ring& ring = rings_[r.id];
    ring.answer = std::make_unique<boost::asio::steady_timer>(io_, std::chrono::milliseconds(options_.ring_ms));
    ring.answer->async_wait([this, id = r.id, code, body = std::move(body)](boost::system::error_code ec) {
      if (ec || !stop_ringing(id, "answered")) return;
      ua_.core().respond(id, ua_.now(), code, {}, {}, body, "application/sdp");
      ua_.flush();
    });
    if (speaker_) ring.ringtone = play_ringtone(to_string(req.from.uri));
  }

  // The inbound ringtone for the caller (RingtoneConfiguration: theirs, else
  // the default) joins the speaker's mix until the call is answered or
  // cancelled. Each call's starts at the beginning of its file.
  std::optional<media::Mixer::SourceId> play_ringtone(const std::string& caller) {
    const std::optional<std::string> file = ringtones_.get_ringtone_for_sipuri(caller);
    if (!file) {
      std::cout << "ringing: no ringtone for " << caller << std::endl;
      return std::nullopt;
    }
    std::string error;
    std::shared_ptr<media::AudioSource> source = open_ringtone(*file, error);
    std::optional<media::Mixer::SourceId> id;
    if (source) id = speaker_->mixer().add(std::move(source), 1.0, error);
    if (!id) {
      std::cout << "ringing: cannot play " << *file << ": " << error << std::endl;
      return std::nullopt;
    }
    std::cout << "ringing: " << *file << " for " << caller << " from speaker time " << std::fixed
              << std::setprecision(3) << speaker_time() << " s" << std::endl;
    return id;
  }

  // False when the call no longer rings (answered or cancelled already).
  bool stop_ringing(TransactionId id, std::string_view why) {
    const auto it = rings_.find(id);
    if (it == rings_.end()) return false;
    if (it->second.ringtone) {
      speaker_->mixer().remove(*it->second.ringtone);
      std::cout << "ringing: stopped (" << why << ") at speaker time " << std::fixed << std::setprecision(3)
                << speaker_time() << " s" << std::endl;
    }
    rings_.erase(it);
    return true;
  }

  // The speaker plays from the start (silence when nothing rings), so that
  // a WAV speaker's time is the responder's.
  void open_speaker() {
    if (options_.speaker.empty()) {
      if (!options_.ringtone.empty() || !options_.ringtone_for.empty())
        throw std::invalid_argument("a ringtone needs --speaker to be played on");
      return;
    }
    std::string error;
    if (!options_.ringtone.empty()) ringtones_.default_inbound_ringtone = options_.ringtone;
    for (const std::string& mapping : options_.ringtone_for) {
      const std::size_t equals = mapping.rfind('=');
      if (equals == std::string::npos)
        throw std::invalid_argument("--ringtone-for " + mapping + ": SIP-URI=FILE.wav expected");
      if (!ringtones_.add_ringtone_for_sipuri(mapping.substr(0, equals), mapping.substr(equals + 1), error))
        throw std::invalid_argument("--ringtone-for: " + error);
    }
    // A missing or unusable file is refused now rather than at the first call.
    std::vector<std::string> files(options_.ringtone.empty() ? 0 : 1, options_.ringtone);
    for (const std::string& mapping : options_.ringtone_for) files.push_back(mapping.substr(mapping.rfind('=') + 1));
    for (const std::string& file : files)
      if (!open_ringtone(file, error)) throw std::invalid_argument("ringtone: " + error);
    speaker_ = Speaker::open(options_.speaker, error);
    if (!speaker_) throw std::invalid_argument("--speaker: " + error);
    speaker_timer_.expires_after(frame_time);
    speaker_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) play_speaker();
    });
  }

  // One frame of the mix, paced by the timer's own schedule (no drift).
  void play_speaker() {
    speaker_->play(static_cast<std::size_t>(Speaker::sample_rate * frame_time.count() / 1000));
    speaker_timer_.expires_at(speaker_timer_.expiry() + frame_time);
    speaker_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) play_speaker();
    });
  }

  double speaker_time() const { return static_cast<double>(speaker_->frames_played()) / Speaker::sample_rate; }

  void on_ack(const Dialog& dialog) {
    if (options_.hangup_ms < 0) return;
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::milliseconds(options_.hangup_ms));
    timer->async_wait([this, timer, id = dialog.id()](boost::system::error_code ec) {
      if (!ec) ua_.send_bye(id);
    });
  }

  // A call being rung: the answer's timer and the ringtone playing.
  struct Ring {
    std::unique_ptr<boost::asio::steady_timer> answer;
    std::optional<media::Mixer::SourceId> ringtone;
  };

  boost::asio::io_context& io_;
  const ResponderOptions& options_;
  std::unique_ptr<Speaker> speaker_;
  boost::asio::steady_timer speaker_timer_;
  session::RingtoneConfiguration ringtones_;
  UserAgent ua_;
  std::unordered_map<TransactionId, Ring> rings_;
  DigestClient digest_;
  std::unique_ptr<Registration> registration_;
};

}  // namespace

int run_responder(const ResponderOptions& options) {
  UserAgentConfig config;
  for (const std::string& spec : options.listen) {
    TransportAddress address;
    if (!parse_listen(spec, address)) {
      std::cerr << "error: bad --listen " << spec << " (expected udp:|tcp:|tls:ADDRESS:PORT)\n";
      return 2;
    }
    config.listen.push_back(address);
  }
  config.transport.tls.certificate_file = options.tls_certificate;
  config.transport.tls.private_key_file = options.tls_key;
  config.transport.tls.ca_file = options.tls_ca;
  config.ua.user_agent = "cosip-responder/0.1";
  config.ua.reliable_provisionals = options.reliable_provisionals;
  if (options.udp_buffer > 0) config.transport.udp_buffer_size = static_cast<std::size_t>(options.udp_buffer);

  boost::asio::io_context io(1);
  Responder responder(io, options, std::move(config));
  try {
    responder.start();
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 2;
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](boost::system::error_code, int) { io.stop(); });
  io.run();
  return 0;
}

}  // namespace cosip::apps
