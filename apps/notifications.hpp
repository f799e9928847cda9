// The command-line program's view of the library's notifications: one line
// each, the notification's name and then key=value fields, as the tests and a
// person at a terminal read them.
#pragma once

#include <string>
#include <string_view>

#include "sip/usage/pager.hpp"
#include "sip/usage/publication.hpp"
#include "sip/usage/registration.hpp"
#include "sip/usage/subscription.hpp"

namespace cosip::apps {

std::string describe(const sip::RegistrationEvent& e);
std::string describe(const sip::SubscriptionEvent& e);
std::string describe(const sip::PublicationEvent& e);
std::string describe(const sip::PagerEvent& e);
// A received MESSAGE, named SCPagerGotMessage like the pager's events.
std::string describe(const sip::PagerMessage& m);

// A registration of `aor` for `contact`: the Request-URI is `registrar`, or
// the AOR's domain when empty (RFC 3261 §10.2); `proxy` becomes the
// preloaded route. False when `aor` is not a sip/sips URI.
bool registration_config(std::string_view aor, std::string_view registrar, std::string_view proxy,
                         std::string contact, sip::RegistrationConfig& out);

// The user part of a SIP URI ("" when none): the default digest user name.
std::string user_of(std::string_view uri);

}  // namespace cosip::apps
