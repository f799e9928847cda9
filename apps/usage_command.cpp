#include "apps/usage_command.hpp"

#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "apps/notifications.hpp"
#include "sip/ua/user_agent.hpp"
#include "sip/usage/pager.hpp"
#include "sip/usage/publication.hpp"
#include "sip/usage/registration.hpp"
#include "sip/usage/subscription.hpp"

namespace cosip::apps {

using namespace cosip::sip;

namespace {

// One UA on a UDP port of 127.0.0.1 carrying one usage until finish() or
// the deadline.
class UsageRun {
 public:
  explicit UsageRun(const AccountOptions& options) : options_(options), deadline_(io_) {
    UserAgentConfig config;
    config.listen.push_back({Transport::udp, boost::asio::ip::make_address("127.0.0.1"), 0});
    config.dns.servers = options.dns;
    config.ua.timers.t1 = std::chrono::milliseconds(options.t1_ms);
    config.ua.allow.push_back("NOTIFY");  // subscriptions' NOTIFYs reach their usage
    ua_ = std::make_unique<UserAgent>(io_.get_executor(), std::move(config),
                                      UserAgentCore::Callbacks{.on_request =
                                                                   [this](const UserAgentCore::IncomingRequest& r) {
                                                                     ua_->core().respond(r.id, ua_->now(), 200);
                                                                   },
                                                               .on_ack = {},
                                                               .on_cancel = {},
                                                               .on_dialog_end = {},
                                                               .on_response = {},
                                                               .on_request_failed = {},
                                                               .on_session_refresh = {}});
  }

  // False (and why on stderr) when the UA cannot start.
  bool start(std::string_view default_user) {
    try {
      ua_->start();
    } catch (const std::exception& e) {
      std::cerr << "error: " << e.what() << '\n';
      return false;
    }
    if (options_.verbose) ua_->set_trace([](std::string_view line) { std::cout << line << std::endl; });
    if (!options_.password.empty())
      digest_.add_account({options_.user.empty() ? std::string(default_user) : options_.user, options_.password, {}});
    return true;
  }

  UserAgent& ua() { return *ua_; }
  DigestClient* digest() { return &digest_; }
  TimePoint now() const { return ua_->now(); }
  std::string contact() const { return ua_->core().config().contact; }

  // Runs `f` on the UA's executor after `seconds`, then flushes the UA.
  void after(double seconds, std::function<void()> f) {
    auto timer = std::make_shared<boost::asio::steady_timer>(io_);
    timer->expires_after(std::chrono::milliseconds(static_cast<long>(seconds * 1000)));
    timer->async_wait([this, timer, f = std::move(f)](boost::system::error_code ec) {
      if (ec) return;
      f();
      ua_->flush();
    });
  }
  void soon(std::function<void()> f) { after(0, std::move(f)); }

  void finish(int status) {
    status_ = status;
    io_.stop();
  }

  int run(ClientUsage& usage) {
    deadline_.expires_after(std::chrono::seconds(options_.timeout_s));
    deadline_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      std::cout << "timed out" << std::endl;
      finish(1);
    });
    ua_->add_usage(usage);
    ua_->flush();
    io_.run();
    ua_->remove_usage(usage);
    return status_;
  }

 private:
  const AccountOptions& options_;
  boost::asio::io_context io_{1};
  boost::asio::steady_timer deadline_;
  std::unique_ptr<UserAgent> ua_;
  DigestClient digest_;
  int status_ = 1;
};

UsageAddress address(std::string request_uri, std::string from, std::string to, const AccountOptions& options) {
  UsageAddress a;
  a.request_uri = std::move(request_uri);
  a.from = "<" + from + ">";
  a.to = "<" + to + ">";
  if (!options.proxy.empty()) a.route.push_back(options.proxy);
  return a;
}

bool is_sip_uri(std::string_view text) {
  Uri uri;
  return parse_uri(text, uri).error == nullptr && (uri.scheme == Uri::Scheme::sip || uri.scheme == Uri::Scheme::sips);
}

}  // namespace

int run_register(const RegisterOptions& options) {
  UsageRun run(options.account);
  if (!run.start(user_of(options.aor))) return 2;
  RegistrationConfig rc;
  if (!registration_config(options.aor, options.registrar, options.account.proxy, run.contact(), rc)) {
    std::cerr << "error: " << options.aor << " is not a sip: or sips: URI\n";
    return 2;
  }
  rc.expires = options.expires;
  bool succeeded = false, failed = false;
  Registration* self = nullptr;
  Registration registration(std::move(rc), run.digest(), run.ua().core().ids(), [&](const RegistrationEvent& e) {
    std::cout << describe(e) << std::endl;
    switch (e.kind) {
      case RegistrationEvent::Kind::did_succeed:
        if (!succeeded) run.after(options.duration_s, [&] { self->end(run.now()); });
        succeeded = true;
        break;
      case RegistrationEvent::Kind::did_fail:
        failed = true;  // the first failure decides; the usage itself would retry
        run.soon([&] { self->end(run.now()); });
        break;
      case RegistrationEvent::Kind::will_end: break;
      case RegistrationEvent::Kind::did_end: run.finish(succeeded && !failed && e.code / 100 == 2 ? 0 : 1); break;
    }
  });
  self = &registration;
  registration.start(run.now());
  return run.run(registration);
}

int run_subscribe(const SubscribeOptions& options) {
  if (!is_sip_uri(options.uri) || !is_sip_uri(options.from)) {
    std::cerr << "error: the resource and --from must be sip: or sips: URIs\n";
    return 2;
  }
  UsageRun run(options.account);
  if (!run.start(user_of(options.from))) return 2;
  SubscriptionConfig sc;
  sc.address = address(options.uri, options.from, options.uri, options.account);
  sc.contact = run.contact();
  sc.event = options.event;
  sc.accept = options.accept;
  sc.expires = options.expires;
  bool succeeded = false, failed = false;
  Subscription* self = nullptr;
  Subscription subscription(std::move(sc), run.digest(), run.ua().core().ids(), [&](const SubscriptionEvent& e) {
    std::cout << describe(e) << std::endl;
    switch (e.kind) {
      case SubscriptionEvent::Kind::did_succeed:
        if (!succeeded) run.after(options.duration_s, [&] { self->end(run.now()); });
        succeeded = true;
        break;
      case SubscriptionEvent::Kind::did_fail:
        failed = true;
        run.soon([&] { self->end(run.now()); });
        break;
      case SubscriptionEvent::Kind::got_notify:
      case SubscriptionEvent::Kind::will_end: break;
      case SubscriptionEvent::Kind::did_end: run.finish(succeeded && !failed ? 0 : 1); break;
    }
  });
  self = &subscription;
  subscription.start(run.now());
  return run.run(subscription);
}

int run_publish(const PublishOptions& options) {
  if (!is_sip_uri(options.aor) || options.bodies.empty()) {
    std::cerr << "error: publish needs a sip: or sips: URI and at least one --body-file\n";
    return 2;
  }
  std::vector<std::string> bodies;
  for (const std::string& path : options.bodies) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::cerr << "error: cannot read " << path << '\n';
      return 2;
    }
    std::ostringstream s;
    s << in.rdbuf();
    bodies.push_back(s.str());
  }
  UsageRun run(options.account);
  if (!run.start(user_of(options.aor))) return 2;
  PublicationConfig pc;
  pc.address = address(options.aor, options.aor, options.aor, options.account);
  pc.event = options.event;
  pc.content_type = options.content_type;
  pc.expires = options.expires;
  std::size_t published = 0;  // bodies the compositor accepted
  bool failed = false;
  Publication* self = nullptr;
  Publication publication(std::move(pc), run.digest(), run.ua().core().ids(), [&](const PublicationEvent& e) {
    std::cout << describe(e) << std::endl;
    switch (e.kind) {
      case PublicationEvent::Kind::did_succeed:
        if (++published < bodies.size())
          run.after(options.interval_s, [&, next = published] { self->publish(bodies[next], {}, run.now()); });
        else if (published == bodies.size())
          run.after(options.interval_s, [&] { self->end(run.now()); });
        break;
      case PublicationEvent::Kind::did_fail:
        failed = true;
        run.soon([&] { self->end(run.now()); });
        break;
      case PublicationEvent::Kind::will_end: break;
      case PublicationEvent::Kind::did_end:
        run.finish(!failed && published >= bodies.size() && e.code / 100 == 2 ? 0 : 1);
        break;
    }
  });
  self = &publication;
  publication.publish(bodies.front(), {}, run.now());
  return run.run(publication);
}

int run_message(const MessageOptions& options) {
  if (!is_sip_uri(options.uri) || !is_sip_uri(options.from)) {
    std::cerr << "error: the recipient and --from must be sip: or sips: URIs\n";
    return 2;
  }
  UsageRun run(options.account);
  if (!run.start(user_of(options.from))) return 2;
  PagerConfig pc;
  pc.address = address(options.uri, options.from, options.uri, options.account);
  Pager pager(std::move(pc), run.digest(), run.ua().core().ids(), [&](const PagerEvent& e) {
    std::cout << describe(e) << std::endl;
    run.finish(e.kind == PagerEvent::Kind::did_deliver ? 0 : 1);
  });
  pager.send(options.body, options.content_type, run.now());
  return run.run(pager);
}

}  // namespace cosip::apps
