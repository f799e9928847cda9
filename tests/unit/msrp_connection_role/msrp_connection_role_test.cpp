// Who connects, for every pair of offer and answer a=setup values (absent
// included; RFC 6135, RFC 4145 §4.1), and what an answerer answers.
#include <doctest/doctest.h>

#include <optional>
#include <vector>

#include "msrp/connection_role.hpp"

using namespace cosip::msrp;
using cosip::sdp::Setup;

namespace {

struct Row {
  std::optional<Setup> offer;
  std::optional<Setup> answer;
  std::optional<Connector> connector;  // nullopt: the answer does not fit
};

constexpr std::optional<Setup> none = std::nullopt;
constexpr std::optional<Connector> error = std::nullopt;

// Absent in the offer reads as active, in the answer as passive (RFC 4975 §5.4).
const std::vector<Row> table = {
    {none, none, Connector::offerer},
    {none, Setup::passive, Connector::offerer},
    {none, Setup::holdconn, Connector::nobody},
    {none, Setup::active, error},
    {none, Setup::actpass, error},
    {Setup::active, none, Connector::offerer},
    {Setup::active, Setup::passive, Connector::offerer},
    {Setup::active, Setup::holdconn, Connector::nobody},
    {Setup::active, Setup::active, error},
    {Setup::active, Setup::actpass, error},
    {Setup::passive, Setup::active, Connector::answerer},
    {Setup::passive, Setup::holdconn, Connector::nobody},
    {Setup::passive, none, error},  // both would wait
    {Setup::passive, Setup::passive, error},
    {Setup::passive, Setup::actpass, error},
    {Setup::actpass, Setup::active, Connector::answerer},
    {Setup::actpass, Setup::passive, Connector::offerer},
    {Setup::actpass, Setup::holdconn, Connector::nobody},
    {Setup::actpass, none, Connector::offerer},  // an RFC 4975-only answerer waits
    {Setup::actpass, Setup::actpass, error},
    {Setup::holdconn, Setup::holdconn, Connector::nobody},
    {Setup::holdconn, none, error},
    {Setup::holdconn, Setup::active, error},
    {Setup::holdconn, Setup::passive, error},
    {Setup::holdconn, Setup::actpass, error},
};

std::string name(std::optional<Setup> s) { return s ? std::string(cosip::sdp::to_string(*s)) : "(none)"; }

}  // namespace

TEST_CASE("connection role: every offer and answer a=setup pair") {
  CHECK(table.size() == 25);
  for (const Row& row : table) {
    INFO("offer " << name(row.offer) << ", answer " << name(row.answer));
    const ConnectionRoles roles = decide_connector(row.offer, row.answer);
    if (row.connector) {
      CHECK(roles.error.empty());
      CHECK(roles.connector == *row.connector);
    } else {
      CHECK(!roles.error.empty());
      CHECK(roles.connector == Connector::nobody);
    }
  }
}

TEST_CASE("connection role: an answer that does not fit says what was offered and what may be answered") {
  CHECK(decide_connector(Setup::active, Setup::active).error ==
        "a=setup:active in the answer does not fit a=setup:active in the offer: the answer may be passive or holdconn");
  CHECK(decide_connector(Setup::passive, std::nullopt).error ==
        "no a=setup in the answer (RFC 4975: the offerer connects) does not fit a=setup:passive in the offer: the "
        "answer may be active or holdconn");
  CHECK(decide_connector(Setup::actpass, Setup::actpass).error ==
        "a=setup:actpass in the answer does not fit a=setup:actpass in the offer: the answer may be active, passive or "
        "holdconn");
}

TEST_CASE("connection role: the offerer offers actpass and the answerer then connects (RFC 6135 §4.1)") {
  CHECK(offer_setup == Setup::actpass);
  CHECK(answer_setup(Setup::actpass) == Setup::active);
  CHECK(answer_setup(Setup::active) == Setup::passive);
  CHECK(answer_setup(Setup::passive) == Setup::active);
  CHECK(answer_setup(Setup::holdconn) == Setup::holdconn);
  CHECK(answer_setup(std::nullopt) == Setup::passive);
  // What the answerer chooses always fits, and the two sides agree.
  for (const std::optional<Setup> offer :
       {std::optional<Setup>{}, std::optional<Setup>{Setup::active}, std::optional<Setup>{Setup::passive},
        std::optional<Setup>{Setup::actpass}, std::optional<Setup>{Setup::holdconn}}) {
    INFO("offer " << name(offer));
    const ConnectionRoles roles = decide_connector(offer, answer_setup(offer));
    CHECK(roles.error.empty());
    CHECK(!(we_connect(roles.connector, true) && we_connect(roles.connector, false)));
  }
  const ConnectionRoles usual = decide_connector(offer_setup, answer_setup(offer_setup));
  CHECK(we_connect(usual.connector, false));
  CHECK(!we_connect(usual.connector, true));
}

TEST_CASE("connection role: a side through a relay has the peer connect to its relay (RFC 4976)") {
  CHECK(offer_setup_through_relay == Setup::passive);
  CHECK(answer_setup(Setup::actpass, true) == Setup::passive);
  CHECK(answer_setup(Setup::active, true) == Setup::passive);
  CHECK(answer_setup(std::nullopt, true) == Setup::passive);
  CHECK(answer_setup(Setup::passive, true) == Setup::active);  // the only answer that fits
  CHECK(answer_setup(Setup::holdconn, true) == Setup::holdconn);
  const std::vector<std::optional<Setup>> offers = {std::nullopt, Setup::active, Setup::passive, Setup::actpass,
                                                     Setup::holdconn};
  for (const std::optional<Setup> offer : offers) {
    INFO("offer " << name(offer));
    CHECK(decide_connector(offer, answer_setup(offer, true)).error.empty());
  }
  // Answerer through a relay, offerer direct (actpass): the offerer connects, to the answerer's relay.
  const ConnectionRoles answerer_relayed = decide_connector(offer_setup, answer_setup(offer_setup, true));
  CHECK(we_connect(answerer_relayed.connector, true));
  CHECK(!we_connect(answerer_relayed.connector, false));
  // Offerer through a relay, answerer direct: the answerer connects, to the offerer's relay.
  const ConnectionRoles offerer_relayed = decide_connector(offer_setup_through_relay, answer_setup(offer_setup_through_relay));
  CHECK(we_connect(offerer_relayed.connector, false));
  // Both through relays: the answerer is the one to send the binding SEND, through both relays.
  const ConnectionRoles both =
      decide_connector(offer_setup_through_relay, answer_setup(offer_setup_through_relay, true));
  CHECK(both.error.empty());
  CHECK(we_connect(both.connector, false));
}
