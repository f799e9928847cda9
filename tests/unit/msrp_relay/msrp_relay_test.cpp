// RelayClient, the pure core of an MSRP relay client (RFC 4976), facing
// hand-written relay responses: the digest challenge answered (the response
// recomputed here with OpenSSL's MD5 from the fixed cnonce), Use-Path and
// Expires taken from the 200, 423 Min-Expires retried, 403 and a second 401
// failing, the transaction timeout, the renewal time and the renewal.
#include <doctest/doctest.h>

#include <openssl/evp.h>

#include <span>
#include <string>
#include <vector>

#include "msrp/parser.hpp"
#include "msrp/relay_client.hpp"
#include "sip/syntax/header_values.hpp"

using namespace cosip::msrp;
using namespace std::chrono_literals;
using Kind = RelayEvent::Kind;

namespace {

const TimePoint t0{std::chrono::seconds(1000)};
const std::string relay_uri = "msrp://relay.example.com:2855;tcp";
const std::string local_uri = "msrp://127.0.0.1:7001/alicesession;tcp";

std::function<std::uint64_t()> counter(std::uint64_t seed) {
  return [n = seed]() mutable { return n += 0x9e3779b97f4a7c15ULL; };
}

// cnonce bytes: 0x01 0x02 ... so the cnonce is the same in every run.
bool fixed_random(std::span<unsigned char> out) {
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<unsigned char>(i + 1);
  return true;
}

RelayConfig config() {
  RelayConfig c;
  c.relay_uri = relay_uri;
  c.local_uri = local_uri;
  c.username = "alice";
  c.password = "msrppw";
  return c;
}

std::string md5_hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  REQUIRE(EVP_Digest(data.data(), data.size(), digest, &size, EVP_md5(), nullptr) == 1);
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

// The one message in `bytes` (the client writes one AUTH at a time).
Message only_message(const std::string& bytes) {
  Message m;
  const ParseError e = parse_message(bytes, m);
  INFO(bytes);
  REQUIRE(!e);
  return m;
}

std::string response(const Message& auth, const std::string& status_line_rest, const std::string& headers = {}) {
  return "MSRP " + std::string(auth.head->transaction_id) + " " + status_line_rest + "\r\n" + "To-Path: " +
         local_uri + "\r\nFrom-Path: " + relay_uri + "\r\n" + headers + "-------" +
         std::string(auth.head->transaction_id) + "$\r\n";
}

const std::string challenge =
    "WWW-Authenticate: Digest realm=\"kamailio.test\", nonce=\"abc123nonce\", qop=\"auth\", algorithm=MD5\r\n";

std::string param(const cosip::sip::AuthValue& v, std::string_view name) {
  for (const auto& p : v.params)
    if (p.name == name) return std::string(p.value);
  return {};
}

// Runs the client through 401 to the AUTH with credentials; returns that AUTH.
Message challenged(RelayClient& client) {
  client.start(t0);
  const Message first = only_message(client.take_output());
  REQUIRE(client.on_bytes(response(first, "401 Unauthorized", challenge), t0));
  CHECK(client.take_events().empty());
  return only_message(client.take_output());
}

}  // namespace

TEST_CASE("the first AUTH goes to the relay alone, without credentials or Expires") {
  RelayClient client(config(), counter(1), fixed_random);
  REQUIRE(client.valid());
  CHECK(client.take_output().empty());
  CHECK(!client.next_timeout());
  client.start(t0);
  const Message auth = only_message(client.take_output());
  CHECK(auth.head->is_request);
  CHECK(auth.head->method == Method::auth);
  REQUIRE(auth.head->to_path.size() == 1);
  CHECK(auth.head->to_path[0].host == "relay.example.com");
  CHECK(auth.head->to_path[0].session_id.empty());
  REQUIRE(auth.head->from_path.size() == 1);
  CHECK(auth.head->from_path[0].session_id == "alicesession");
  CHECK(auth.head->authorization.empty());
  CHECK(!auth.head->expires);
  CHECK(client.next_timeout() == t0 + 30s);
}

TEST_CASE("Expires in the first AUTH when configured") {
  RelayConfig c = config();
  c.expires = 600;
  RelayClient client(c, counter(1), fixed_random);
  client.start(t0);
  const Message auth = only_message(client.take_output());
  REQUIRE(auth.head->expires);
  CHECK(*auth.head->expires == 600);
}

TEST_CASE("401: the second AUTH carries a digest over AUTH and the relay URI") {
  RelayClient client(config(), counter(1), fixed_random);
  client.start(t0);
  const Message first = only_message(client.take_output());
  REQUIRE(client.on_bytes(response(first, "401 Unauthorized", challenge), t0));
  const Message second = only_message(client.take_output());
  CHECK(second.head->transaction_id != first.head->transaction_id);  // a new transaction (RFC 4976 §5)
  CHECK(second.head->method == Method::auth);
  REQUIRE(!second.head->authorization.empty());

  cosip::sip::AuthValue credentials;
  REQUIRE(cosip::sip::decode_auth(second.head->authorization, credentials));
  CHECK(credentials.scheme == "Digest");
  CHECK(param(credentials, "username") == "alice");
  CHECK(param(credentials, "realm") == "kamailio.test");
  CHECK(param(credentials, "nonce") == "abc123nonce");
  CHECK(param(credentials, "uri") == relay_uri);
  CHECK(param(credentials, "qop") == "auth");
  CHECK(param(credentials, "nc") == "00000001");
  const std::string cnonce = param(credentials, "cnonce");
  REQUIRE(!cnonce.empty());
  // RFC 2617 §3.2.2.1 with qop=auth, recomputed here.
  const std::string ha1 = md5_hex("alice:kamailio.test:msrppw");
  const std::string ha2 = md5_hex("AUTH:" + relay_uri);
  const std::string expected = md5_hex(ha1 + ":abc123nonce:00000001:" + cnonce + ":auth:" + ha2);
  CHECK(param(credentials, "response") == expected);
  // Another client with the same fixed random source picks the same cnonce.
  RelayClient again(config(), counter(1), fixed_random);
  const Message second_again = challenged(again);
  cosip::sip::AuthValue credentials_again;
  REQUIRE(cosip::sip::decode_auth(second_again.head->authorization, credentials_again));
  CHECK(param(credentials_again, "cnonce") == cnonce);
}

TEST_CASE("200: Use-Path and Expires, then the renewal") {
  RelayClient client(config(), counter(1), fixed_random);
  const Message second = challenged(client);
  const std::string use_path = "msrp://relay.example.com:2855/sess42;tcp";
  REQUIRE(client.on_bytes(response(second, "200 OK", "Use-Path: " + use_path + "\r\nExpires: 900\r\n"), t0 + 1s));
  const auto events = client.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::authenticated);
  REQUIRE(events[0].use_path.size() == 1);
  CHECK(events[0].use_path[0] == use_path);
  CHECK(events[0].expires == 900);
  CHECK(client.authenticated());
  CHECK(client.use_path() == std::vector<std::string>{use_path});
  CHECK(client.expires_at() == t0 + 1s + 900s);
  // Renewed at 2/3 of the lifetime (earlier than 30 s before its end).
  REQUIRE(client.next_timeout());
  CHECK(*client.next_timeout() == t0 + 1s + 600s);
  client.on_timeout(t0 + 1s + 599s);
  CHECK(client.take_output().empty());
  client.on_timeout(t0 + 1s + 600s);
  const Message renewal = only_message(client.take_output());
  CHECK(renewal.head->method == Method::auth);
  CHECK(renewal.head->transaction_id != second.head->transaction_id);
  CHECK(client.next_timeout() == t0 + 1s + 630s);
  // The renewal is challenged and answered like the first time.
  REQUIRE(client.on_bytes(response(renewal, "401 Unauthorized", challenge), t0 + 601s));
  const Message renewal_credentials = only_message(client.take_output());
  CHECK(!renewal_credentials.head->authorization.empty());
  REQUIRE(client.on_bytes(response(renewal_credentials, "200 OK", "Use-Path: " + use_path + "\r\nExpires: 60\r\n"),
                          t0 + 602s));
  REQUIRE(client.take_events().size() == 1);
  // 60 s: 30 s before the end comes before 2/3 of it.
  CHECK(client.next_timeout() == t0 + 602s + 30s);
}

TEST_CASE("a short Expires is renewed at 2/3 of it") {
  RelayClient client(config(), counter(1), fixed_random);
  const Message second = challenged(client);
  REQUIRE(client.on_bytes(response(second, "200 OK", "Use-Path: msrp://r.example.com/s1;tcp\r\nExpires: 15\r\n"), t0));
  CHECK(client.next_timeout() == t0 + 10s);
}

TEST_CASE("two relays in Use-Path keep their order") {
  RelayClient client(config(), counter(1), fixed_random);
  const Message second = challenged(client);
  REQUIRE(client.on_bytes(response(second, "200 OK",
                                   "Use-Path: msrps://a.example.com/s1;tcp msrps://b.example.com:9000/s2;tcp\r\n"
                                   "Expires: 300\r\n"),
                          t0));
  CHECK(client.use_path() ==
        std::vector<std::string>{"msrps://a.example.com/s1;tcp", "msrps://b.example.com:9000/s2;tcp"});
}

TEST_CASE("423 with Min-Expires: the AUTH again with that Expires") {
  RelayConfig c = config();
  c.expires = 30;
  RelayClient client(c, counter(1), fixed_random);
  client.start(t0);
  const Message first = only_message(client.take_output());
  REQUIRE(client.on_bytes(response(first, "423 Interval Out-of-Bounds", "Min-Expires: 60\r\n"), t0));
  CHECK(client.take_events().empty());
  const Message retry = only_message(client.take_output());
  CHECK(retry.head->transaction_id != first.head->transaction_id);
  REQUIRE(retry.head->expires);
  CHECK(*retry.head->expires == 60);
  // The same answer again: the client gives up instead of looping.
  REQUIRE(client.on_bytes(response(retry, "423 Interval Out-of-Bounds", "Min-Expires: 60\r\n"), t0));
  const auto events = client.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::failed);
  CHECK(events[0].code == 423);
  CHECK(client.take_output().empty());
}

TEST_CASE("403 fails with its code and reason") {
  RelayClient client(config(), counter(1), fixed_random);
  const Message second = challenged(client);
  REQUIRE(client.on_bytes(response(second, "403 Forbidden"), t0));
  const auto events = client.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::failed);
  CHECK(events[0].code == 403);
  CHECK(events[0].reason == "Forbidden");
  CHECK(!client.authenticated());
  CHECK(!client.next_timeout());
}

TEST_CASE("a second 401 for the credentials means they are wrong") {
  RelayClient client(config(), counter(1), fixed_random);
  const Message second = challenged(client);
  const std::string new_nonce =
      "WWW-Authenticate: Digest realm=\"kamailio.test\", nonce=\"other\", qop=\"auth\", algorithm=MD5\r\n";
  REQUIRE(client.on_bytes(response(second, "401 Unauthorized", new_nonce), t0));
  const auto events = client.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::failed);
  CHECK(events[0].code == 401);
  CHECK(client.take_output().empty());
}

TEST_CASE("a stale nonce is answered again") {
  RelayClient client(config(), counter(1), fixed_random);
  const Message second = challenged(client);
  const std::string stale =
      "WWW-Authenticate: Digest realm=\"kamailio.test\", nonce=\"fresh\", stale=true, qop=\"auth\"\r\n";
  REQUIRE(client.on_bytes(response(second, "401 Unauthorized", stale), t0));
  CHECK(client.take_events().empty());
  const Message third = only_message(client.take_output());
  cosip::sip::AuthValue credentials;
  REQUIRE(cosip::sip::decode_auth(third.head->authorization, credentials));
  CHECK(param(credentials, "nonce") == "fresh");
}

TEST_CASE("401 without a challenge fails") {
  RelayClient client(config(), counter(1), fixed_random);
  client.start(t0);
  const Message first = only_message(client.take_output());
  REQUIRE(client.on_bytes(response(first, "401 Unauthorized"), t0));
  const auto events = client.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].code == 401);
}

TEST_CASE("no response within 30 s: 408") {
  RelayClient client(config(), counter(1), fixed_random);
  client.start(t0);
  CHECK(!client.take_output().empty());
  client.on_timeout(t0 + 29s);
  CHECK(client.take_events().empty());
  client.on_timeout(t0 + 30s);
  const auto events = client.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::failed);
  CHECK(events[0].code == 408);
  CHECK(!client.next_timeout());
}

TEST_CASE("responses of other transactions and requests are ignored") {
  RelayClient client(config(), counter(1), fixed_random);
  client.start(t0);
  const Message first = only_message(client.take_output());
  const std::string other = "MSRP zzzz 200 OK\r\nTo-Path: " + local_uri + "\r\nFrom-Path: " + relay_uri +
                            "\r\n-------zzzz$\r\n";
  const std::string send = "MSRP abcd SEND\r\nTo-Path: " + local_uri + "\r\nFrom-Path: " + relay_uri +
                           "\r\nMessage-ID: msg1\r\nByte-Range: 1-2/2\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
                           "-------abcd$\r\n";
  REQUIRE(client.on_bytes(other + send, t0));
  CHECK(client.take_events().empty());
  CHECK(client.take_output().empty());
  CHECK(client.next_timeout() == t0 + 30s);
}

TEST_CASE("responses split byte by byte") {
  RelayClient client(config(), counter(1), fixed_random);
  const Message second = challenged(client);
  const std::string ok = response(second, "200 OK", "Use-Path: msrp://r.example.com/s1;tcp\r\nExpires: 300\r\n");
  for (char c : ok) REQUIRE(client.on_bytes(std::string_view(&c, 1), t0));
  REQUIRE(client.take_events().size() == 1);
  CHECK(client.authenticated());
}

TEST_CASE("a renewal refused ends the authorization") {
  RelayClient client(config(), counter(1), fixed_random);
  const Message second = challenged(client);
  REQUIRE(client.on_bytes(response(second, "200 OK", "Use-Path: msrp://r.example.com/s1;tcp\r\nExpires: 300\r\n"), t0));
  REQUIRE(client.take_events().size() == 1);
  client.on_timeout(t0 + 200s);
  const Message renewal = only_message(client.take_output());
  REQUIRE(client.on_bytes(response(renewal, "403 Forbidden"), t0 + 200s));
  const auto events = client.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::failed);
  CHECK(events[0].code == 403);
  CHECK(!client.authenticated());
  CHECK(!client.expires_at());
  CHECK(!client.next_timeout());
}

TEST_CASE("a username with CR LF makes the client invalid") {
  RelayConfig c = config();
  c.username = "alice\r\nX: y";
  RelayClient client(c, counter(1), fixed_random);
  CHECK(!client.valid());
}

TEST_CASE("a lost connection ends the authorization") {
  RelayClient client(config(), counter(1), fixed_random);
  const Message second = challenged(client);
  REQUIRE(client.on_bytes(response(second, "200 OK", "Use-Path: msrp://r.example.com/s1;tcp\r\nExpires: 300\r\n"), t0));
  REQUIRE(client.take_events().size() == 1);
  client.on_connection_lost("connection reset");
  const auto events = client.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::failed);
  CHECK(events[0].code == 0);
  CHECK(events[0].reason == "connection reset");
  CHECK(!client.authenticated());
  CHECK(!client.next_timeout());
  client.on_connection_lost("again");
  CHECK(client.take_events().empty());
}

TEST_CASE("bad URIs make the client invalid") {
  RelayConfig c = config();
  c.relay_uri = "sip:relay.example.com";
  RelayClient client(c, counter(1), fixed_random);
  CHECK(!client.valid());
  CHECK(client.config_error().find("sip:relay.example.com") != std::string::npos);
  client.start(t0);
  CHECK(client.take_output().empty());
}
