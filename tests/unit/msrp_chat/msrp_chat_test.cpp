// ChatStream (MSRPChat) over two MsrpSessions back to back: CPIM-wrapped
// messages when the peer accepts message/cpim, plain ones when it does not,
// a type it takes neither way refused by name, is-composing both ways
// without a delivery notification, and the delivery notifications.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "msrp/chat.hpp"

using namespace cosip::msrp;

namespace {

const TimePoint t0{std::chrono::seconds(1000)};
const std::string alice_uri = "msrp://127.0.0.1:7001/alicesession;tcp";
const std::string bob_uri = "msrp://127.0.0.1:7002/bobsession;tcp";

std::function<std::uint64_t()> counter(std::uint64_t seed) {
  return [n = seed]() mutable { return n += 0x9e3779b97f4a7c15ULL; };
}

SessionConfig session_config(const std::string& local, const std::string& remote) {
  SessionConfig c;
  c.local_uri = local;
  c.remote_path = {remote};
  return c;
}

struct Pair {
  MsrpSession alice_session{session_config(alice_uri, bob_uri), counter(1)};
  MsrpSession bob_session{session_config(bob_uri, alice_uri), counter(2)};
  ChatStream alice;
  ChatStream bob;
  std::vector<ChatNotification> at_alice, at_bob;
  std::vector<SessionEvent> bob_raw;  // what bob's session saw, before the chat layer

  Pair(std::vector<std::string> bob_accepts, std::vector<std::string> bob_wraps)
      : alice(ChatConfig{{"sip:alice@example.com", "Alice"}, {"sip:bob@example.com", "Bob"}, bob_accepts, bob_wraps},
              alice_session),
        bob(ChatConfig{{"sip:bob@example.com", "Bob"}, {"sip:alice@example.com", "Alice"}, {"message/cpim", "text/plain"}, {}},
            bob_session) {}

  void exchange() {
    for (int i = 0; i < 4; ++i) {
      REQUIRE(bob_session.on_bytes(alice_session.take_output(), t0));
      REQUIRE(alice_session.on_bytes(bob_session.take_output(), t0));
      const std::vector<SessionEvent> b = bob_session.take_events();
      bob_raw.insert(bob_raw.end(), b.begin(), b.end());
      for (ChatNotification& n : bob.on_session_events(b)) at_bob.push_back(std::move(n));
      for (ChatNotification& n : alice.on_session_events(alice_session.take_events())) at_alice.push_back(std::move(n));
    }
  }
};

}  // namespace

TEST_CASE("chat: CPIM-wrapped when the peer accepts message/cpim") {
  Pair p({"message/cpim"}, {"text/plain"});
  CHECK(p.alice.peer_accepts_cpim());
  std::string error;
  const auto id = p.alice.send_message("Hello Bob", "text/plain", "", "2026-11-26T19:00:00Z", t0, error);
  REQUIRE_MESSAGE(id, error);
  p.exchange();
  REQUIRE(p.bob_raw.size() == 1);
  CHECK(p.bob_raw[0].content_type == "message/cpim");
  REQUIRE(p.at_bob.size() == 1);
  const ChatNotification& got = p.at_bob[0];
  CHECK(got.name == "MSRPChatGotMessage");
  CHECK(got.content == "Hello Bob");
  CHECK(got.content_type == "text/plain");
  CHECK(got.from.uri == "sip:alice@example.com");
  CHECK(got.from.display_name == "Alice");
  CHECK(got.to == "sip:bob@example.com");
  CHECK(got.datetime == "2026-11-26T19:00:00Z");
  REQUIRE(p.at_alice.size() == 1);
  CHECK(p.at_alice[0].name == "MSRPChatDidDeliverMessage");
  CHECK(p.at_alice[0].message_id == *id);
  CHECK(p.at_alice[0].code == 200);
}

TEST_CASE("chat: as it is when the peer takes the type but not CPIM") {
  Pair p({"text/plain"}, {});
  CHECK_FALSE(p.alice.peer_accepts_cpim());
  std::string error;
  REQUIRE(p.alice.send_message("plain", "text/plain; charset=utf-8", "", "", t0, error));
  p.exchange();
  REQUIRE(p.bob_raw.size() == 1);
  CHECK(p.bob_raw[0].content_type == "text/plain; charset=utf-8");
  REQUIRE(p.at_bob.size() == 1);
  CHECK(p.at_bob[0].content == "plain");
  CHECK(p.at_bob[0].from.uri == "sip:alice@example.com");  // the session's remote identity
}

TEST_CASE("chat: a type the peer takes neither way is refused by name") {
  Pair p({"text/plain"}, {});
  std::string error;
  CHECK_FALSE(p.alice.send_message("<b>hi</b>", "text/html", "", "", t0, error));
  CHECK(error == "the peer accepts neither text/html nor message/cpim");
  Pair wrapped_only({"message/cpim"}, {"text/plain"});
  CHECK_FALSE(wrapped_only.alice.send_message("<b>hi</b>", "text/html", "", "", t0, error));
}

TEST_CASE("chat: is-composing goes both ways and is never a chat message") {
  Pair p({"message/cpim", "text/plain"}, {"*"});
  IsComposing status;
  status.state = ComposingState::active;
  status.contenttype = "text";
  status.refresh = 90;
  std::string error;
  REQUIRE(p.alice.send_composing(status, t0, error));
  p.exchange();
  REQUIRE(p.at_bob.size() == 1);
  CHECK(p.at_bob[0].name == "MSRPChatGotComposing");
  REQUIRE(p.at_bob[0].composing);
  CHECK(p.at_bob[0].composing->state == ComposingState::active);
  CHECK(p.at_bob[0].composing->refresh == 90u);
  CHECK(p.at_alice.empty());  // no delivery notification for a status
}

TEST_CASE("chat: accepted media types") {
  CHECK(media_type_accepted("text/plain", {"*"}));
  CHECK(media_type_accepted("Text/Plain;charset=utf-8", {"text/*"}));
  CHECK(media_type_accepted("message/cpim", {"text/plain", "Message/CPIM"}));
  CHECK_FALSE(media_type_accepted("text/html", {"text/plain", "image/*"}));
  CHECK_FALSE(media_type_accepted("text/plain", {}));
}
