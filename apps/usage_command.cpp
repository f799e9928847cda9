#include "apps/usage_command.hpp"

#include <iostream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "apps/notifications.hpp"
#include "sip/ua/user_agent.hpp"
#include "sip/usage/registration.hpp"

namespace cosip::apps {
using namespace cosip::sip;

int run_register(const RegisterOptions& options) {
  UserAgentConfig config;
  config.listen.push_back({Transport::udp, boost::asio::ip::make_address("127.0.0.1"), 0});
  config.dns.servers = options.dns;
  config.ua.timers.t1 = std::chrono::milliseconds(options.t1_ms);
  boost::asio::io_context io(1);
  UserAgent ua(io.get_executor(), std::move(config), {});
  try {
    ua.start();
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 2;
  }
  if (options.verbose) ua.set_trace([](std::string_view line) { std::cout << line << std::endl; });

  RegistrationConfig rc;
  if (!registration_config(options.aor, options.registrar, options.proxy, ua.core().config().contact, rc)) {
    std::cerr << "error: " << options.aor << " is not a sip: or sips: URI\n";
    return 2;
  }
  rc.expires = options.expires;
  DigestClient digest;
  digest.add_account({options.user.empty() ? user_of(options.aor) : options.user, options.password, {}});

  int status = 1;
  bool succeeded = false;
  bool failed = false;
  boost::asio::steady_timer stay(io), deadline(io);
  Registration* registration = nullptr;
  auto end_registration = [&] {
    registration->end(ua.now());
    ua.flush();
  };
  Registration reg(rc, &digest, ua.core().ids(), [&](const RegistrationEvent& e) {
    std::cout << describe(e) << std::endl;
    switch (e.kind) {
      case RegistrationEvent::Kind::did_succeed:
        if (succeeded) break;  // a refresh
        succeeded = true;
        stay.expires_after(std::chrono::milliseconds(static_cast<long>(options.duration_s * 1000)));
        stay.async_wait([&](boost::system::error_code ec) {
          if (!ec) end_registration();
        });
        break;
      case RegistrationEvent::Kind::did_fail:
        // For a test the first failure decides; the usage would retry.
        failed = true;
        boost::asio::post(io, [&] { end_registration(); });
        break;
      case RegistrationEvent::Kind::will_end: break;
      case RegistrationEvent::Kind::did_end:
        status = succeeded && !failed && e.code >= 200 && e.code < 300 ? 0 : 1;
        io.stop();
        break;
    }
  });
  registration = &reg;
  deadline.expires_after(std::chrono::seconds(options.timeout_s));
  deadline.async_wait([&](boost::system::error_code ec) {
    if (ec) return;
    std::cout << "timed out" << std::endl;
    io.stop();
  });
  ua.add_usage(reg);
  reg.start(ua.now());
  ua.flush();
  io.run();
  ua.remove_usage(reg);
  return status;
}

}  // namespace cosip::apps
