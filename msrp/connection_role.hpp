// Who opens an MSRP session's connection, from the a=setup attributes of
// the offer and the answer (RFC 6135, which applies RFC 4145's a=setup to
// MSRP). Pure: the attributes in, the side that connects (or an error) out.
//
// Rules:
//   - the offerer SHOULD offer actpass, the answerer SHOULD then answer
//     active, so the answerer connects (RFC 6135 §4.1);
//   - a description without a=setup follows RFC 4975's own model, where the
//     offerer connects (RFC 4975 §5.4, RFC 6135 §4.1): no a=setup in an
//     offer reads as active, in an answer as passive;
//   - the answer's value must fit the offer's (RFC 4145 §4.1): active ->
//     passive or holdconn; passive -> active or holdconn; actpass -> active,
//     passive or holdconn; holdconn -> holdconn; an answer is never actpass;
//   - holdconn: nobody connects yet.
//
// Through a relay (RFC 4976): a side that uses one puts the relay first in
// its a=path and holds a single connection, to that relay, which it opens
// itself (it is always the active side toward its relay, §5) whatever
// a=setup says; it never listens. The peer reaches it by connecting to the
// first URI of its a=path, the relay, and the relay carries the session
// back on that connection. So such a side asks the peer to connect: it
// offers passive (an offerer may insist on a role, RFC 6135 §4.1 leaves
// actpass a SHOULD) and answers passive to every offer that allows it
// (actpass, active, none); only to a passive offer does it answer active,
// and then its relay has to open the connection to the peer. As the
// "connecting" side it still sends the bodiless SEND (RFC 4975 §5.4),
// through its relay.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sdp/attributes.hpp"

namespace cosip::msrp {

enum class Connector : std::uint8_t { offerer, answerer, nobody };

struct ConnectionRoles {
  Connector connector = Connector::offerer;
  std::string error;  // not empty: the answer does not fit the offer, and says why
};

// The a=setup an offerer puts in its offer (RFC 6135 §4.1).
inline constexpr sdp::Setup offer_setup = sdp::Setup::actpass;

// The same for an offerer whose stream goes through a relay.
inline constexpr sdp::Setup offer_setup_through_relay = sdp::Setup::passive;

// The a=setup an answerer puts in its answer to `offered` (nullopt: the
// offer has none); `through_relay`: its stream goes through a relay.
sdp::Setup answer_setup(std::optional<sdp::Setup> offered, bool through_relay = false);

// Who connects, given the a=setup of the offer and of the answer (nullopt:
// absent).
ConnectionRoles decide_connector(std::optional<sdp::Setup> offered, std::optional<sdp::Setup> answered);

// Whether this side opens the connection.
inline bool we_connect(Connector connector, bool we_offered) {
  return connector == (we_offered ? Connector::offerer : Connector::answerer);
}

}  // namespace cosip::msrp
