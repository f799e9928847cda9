#include "apps/notifications.hpp"

namespace cosip::apps {

using namespace cosip::sip;

namespace {

// The notification's name, then code and reason when it has them.
std::string head(std::string_view name, int code, std::string_view reason) {
  std::string s(name);
  if (code != 0 || !reason.empty()) s += " code=" + std::to_string(code) + " reason=\"" + std::string(reason) + "\"";
  return s;
}

// A body on one line: CR and LF written as \r and \n.
std::string one_line(std::string_view body) {
  std::string s;
  for (const char c : body) {
    if (c == '\r') s += "\\r";
    else if (c == '\n') s += "\\n";
    else s += c;
  }
  return s;
}

}  // namespace

std::string describe(const RegistrationEvent& e) {
  std::string s = head(e.name(), e.code, e.reason);
  if (e.kind == RegistrationEvent::Kind::did_succeed) {
    s += " expires=" + std::to_string(e.expires) + " contacts=";
    for (std::size_t i = 0; i < e.contacts.size(); ++i)
      s += (i ? "," : "") + e.contacts[i].uri + ";expires=" + std::to_string(e.contacts[i].expires);
  }
  if (e.retry_in) s += " retry_in=" + std::to_string(*e.retry_in);
  return s;
}

std::string describe(const SubscriptionEvent& e) {
  std::string s = head(e.name(), e.code, e.reason);
  if (e.kind == SubscriptionEvent::Kind::did_succeed) s += " expires=" + std::to_string(e.expires);
  if (e.retry_in) s += " retry_in=" + std::to_string(*e.retry_in);
  if (e.kind == SubscriptionEvent::Kind::got_notify) {
    s += " state=" + e.state;
    for (const auto& [name, value] : e.state_params) s += ";" + name + (value.empty() ? "" : "=" + value);
    s += " content_type=\"" + e.content_type + "\" body=\"" + one_line(e.body) + "\"";
  }
  return s;
}

std::string describe(const PublicationEvent& e) {
  std::string s = head(e.name(), e.code, e.reason);
  if (e.kind == PublicationEvent::Kind::did_succeed)
    s += " expires=" + std::to_string(e.expires) + " etag=" + e.etag;
  if (e.retry_in) s += " retry_in=" + std::to_string(*e.retry_in);
  return s;
}

std::string describe(const PagerEvent& e) {
  return head(e.name(), e.code, e.reason) + " message_id=" + std::to_string(e.message_id);
}

std::string describe(const PagerMessage& m) {
  return "SCPagerGotMessage from=" + m.from + " to=" + m.to + " content_type=\"" + m.content_type + "\" body=\"" +
         one_line(m.body) + "\"";
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
