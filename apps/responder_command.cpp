#include "apps/responder_command.hpp"

#include <iostream>
#include <memory>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "apps/notifications.hpp"
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

class Responder {
 public:
  Responder(boost::asio::io_context& io, const ResponderOptions& options, UserAgentConfig config)
      : io_(io),
        options_(options),
        ua_(io.get_executor(), std::move(config),
            {.on_request = [this](const UserAgentCore::IncomingRequest& r) { on_request(r); },
             .on_ack = [this](Dialog& d, const Message&) { on_ack(d); },
             .on_cancel = [this](TransactionId id) { rings_.erase(id); },
             .on_dialog_end =
                 [this](const Dialog& d, std::string_view why) {
                   if (options_.verbose) std::cout << "dialog " << d.id().call_id << " ended: " << why << std::endl;
                 },
             .on_response = {},
             .on_request_failed = {},
             .on_session_refresh = {}}) {}

  void start() {
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
    auto timer = std::make_unique<boost::asio::steady_timer>(io_, std::chrono::milliseconds(options_.ring_ms));
    timer->async_wait([this, id = r.id, code, body = std::move(body)](boost::system::error_code ec) {
      if (ec || rings_.erase(id) == 0) return;
      ua_.core().respond(id, ua_.now(), code, {}, {}, body, "application/sdp");
      ua_.flush();
    });
    rings_[r.id] = std::move(timer);
  }

  void on_ack(const Dialog& dialog) {
    if (options_.hangup_ms < 0) return;
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::milliseconds(options_.hangup_ms));
    timer->async_wait([this, timer, id = dialog.id()](boost::system::error_code ec) {
      if (!ec) ua_.send_bye(id);
    });
  }

  boost::asio::io_context& io_;
  const ResponderOptions& options_;
  UserAgent ua_;
  std::unordered_map<TransactionId, std::unique_ptr<boost::asio::steady_timer>> rings_;
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
