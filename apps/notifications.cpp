#include "apps/notifications.hpp"

namespace cosip::apps {

using namespace cosip::sip;

std::string describe(const RegistrationEvent& e) {
  std::string s(e.name());
  if (e.code != 0) s += " code=" + std::to_string(e.code) + " reason=\"" + e.reason + "\"";
  if (e.kind == RegistrationEvent::Kind::did_succeed) {
    s += " expires=" + std::to_string(e.expires) + " contacts=";
    for (std::size_t i = 0; i < e.contacts.size(); ++i)
      s += (i ? "," : "") + e.contacts[i].uri + ";expires=" + std::to_string(e.contacts[i].expires);
  }
  if (e.retry_in) s += " retry_in=" + std::to_string(*e.retry_in);
  return s;
}

bool registration_config(std::string_view aor_text, std::string_view registrar, std::string_view proxy,
                         std::string contact, RegistrationConfig& out) {
  Uri aor;
  if (parse_uri(aor_text, aor).error != nullptr ||
      (aor.scheme != Uri::Scheme::sip && aor.scheme != Uri::Scheme::sips))
    return false;
  if (registrar.empty()) {
    out.address.request_uri = aor.scheme == Uri::Scheme::sips ? "sips:" : "sip:";
    out.address.request_uri += aor.host;
    if (aor.has_port) out.address.request_uri += ":" + std::to_string(aor.port);
  } else {
    out.address.request_uri = registrar;
  }
  out.address.from = out.address.to = "<" + std::string(aor_text) + ">";
  out.address.route.clear();
  if (!proxy.empty()) out.address.route.emplace_back(proxy);
  out.contacts = {std::move(contact)};
  return true;
}

std::string user_of(std::string_view uri_text) {
  Uri uri;
  if (parse_uri(uri_text, uri).error != nullptr) return {};
  return std::string(uri.user);
}

}  // namespace cosip::apps
