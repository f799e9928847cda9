#include "msrp/connection_role.hpp"

namespace cosip::msrp {

using sdp::Setup;

sdp::Setup answer_setup(std::optional<sdp::Setup> offered, bool through_relay) {
  switch (offered.value_or(Setup::active)) {  // none: the offerer connects (RFC 4975 §5.4)
    case Setup::active: return Setup::passive;
    case Setup::passive: return Setup::active;
    // RFC 6135 §4.1: the answerer connects; through a relay, the offerer
    // connects to it instead (the relay never reaches a peer that waits).
    case Setup::actpass: return through_relay ? Setup::passive : Setup::active;
    case Setup::holdconn: return Setup::holdconn;
  }
  return Setup::holdconn;
}

ConnectionRoles decide_connector(std::optional<sdp::Setup> offered, std::optional<sdp::Setup> answered) {
  const Setup offer = offered.value_or(Setup::active);     // RFC 4975: the offerer connects
  const Setup answer = answered.value_or(Setup::passive);  // ... and the answerer waits
  const auto describe = [](std::optional<Setup> s, const char* where) {
    return s ? "a=setup:" + std::string(sdp::to_string(*s)) + " in the " + where
             : std::string("no a=setup in the ") + where + " (RFC 4975: the offerer connects)";
  };
  // RFC 4145 §4.1: the answers each offer allows.
  const char* allowed = nullptr;
  bool fits = false;
  switch (offer) {
    case Setup::active:
      fits = answer == Setup::passive || answer == Setup::holdconn;
      allowed = "passive or holdconn";
      break;
    case Setup::passive:
      fits = answer == Setup::active || answer == Setup::holdconn;
      allowed = "active or holdconn";
      break;
    case Setup::actpass:
      fits = answer != Setup::actpass;
      allowed = "active, passive or holdconn";
      break;
    case Setup::holdconn:
      fits = answer == Setup::holdconn;
      allowed = "holdconn";
      break;
  }
  if (!fits)
    return {Connector::nobody, describe(answered, "answer") + " does not fit " + describe(offered, "offer") +
                                   ": the answer may be " + allowed};
  if (offer == Setup::holdconn || answer == Setup::holdconn) return {Connector::nobody, {}};
  return {answer == Setup::active ? Connector::answerer : Connector::offerer, {}};
}

}  // namespace cosip::msrp
