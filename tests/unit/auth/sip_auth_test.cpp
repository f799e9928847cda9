// Digest authentication: the published vectors of RFC 2069, RFC 2617 §3.5 and
// RFC 7616 §3.9.1, client and server answering each other (REGISTER through
// real messages), nonce counts, stale nonces, loop bounds, algorithm choice
// and quoting.
#include <doctest/doctest.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sip/auth/digest.hpp"
#include "sip/syntax/header_values.hpp"
#include "sip/syntax/message.hpp"

using namespace cosip::sip;

namespace {

// A deterministic random source: bytes 0, 1, 2, ... across calls.
RandomSource counting_random() {
  return [n = 0u](std::span<unsigned char> out) mutable {
    for (unsigned char& b : out) b = static_cast<unsigned char>(n++);
    return true;
  };
}

AuthValue decode(std::string_view value) {
  AuthValue v;
  const DecodeResult r = decode_auth(value, v);
  INFO("value: ", value, " error: ", (r.error ? r.error : "(none)"));
  REQUIRE(r);
  return v;
}

std::vector<DigestClient::Challenge> challenges(std::initializer_list<std::string_view> www,
                                                std::initializer_list<std::string_view> proxy = {}) {
  std::vector<DigestClient::Challenge> out;
  for (const std::string_view v : www) out.push_back({false, decode(v)});
  for (const std::string_view v : proxy) out.push_back({true, decode(v)});
  return out;
}

// The value of the parameter `name` as written in `value` (quotes kept out).
std::string param_of(const std::string& value, std::string_view name) {
  const AuthValue v = decode(value);
  const Param* p = find_param(std::span<const Param>(v.params.data(), v.params.size()), name);
  return p != nullptr ? std::string(p->value) : std::string("(absent)");
}

// Server check of one Authorization value the client wrote.
AuthErrc server_verify(const std::string& value, std::string_view method, std::string_view realm,
                       std::string_view password, std::string_view body = {}, DigestCredentials* out = nullptr) {
  DigestCredentials c;
  const AuthErrc parsed = parse_digest_credentials(decode(value), c);
  if (parsed != AuthErrc::ok) return parsed;
  if (out != nullptr) *out = c;
  return verify_digest(c, {.method = method, .realm = realm, .password = password, .body = body});
}

const DigestRequest invite{"INVITE", "sip:bob@biloxi.com", ""};

}  // namespace

TEST_CASE("hashes: MD5, SHA-256 and SHA-512/256 in lowercase hex") {
  CHECK(digest_hash(DigestAlgorithm::md5, "") == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(digest_hash(DigestAlgorithm::sha256, "abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // FIPS 180-4 SHA-512/256 "abc".
  CHECK(digest_hash(DigestAlgorithm::sha512_256_sess, "abc") ==
        "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23");
}

TEST_CASE("algorithm names") {
  CHECK(parse_digest_algorithm("") == DigestAlgorithm::md5);
  CHECK(parse_digest_algorithm("md5-SESS") == DigestAlgorithm::md5_sess);
  CHECK(parse_digest_algorithm("SHA-512-256") == DigestAlgorithm::sha512_256);
  CHECK_FALSE(parse_digest_algorithm("SHA-1"));
  CHECK(to_string(DigestAlgorithm::sha256_sess) == "SHA-256-sess");
  CHECK(is_session(DigestAlgorithm::sha512_256_sess));
  CHECK_FALSE(is_session(DigestAlgorithm::sha256));
}

TEST_CASE("RFC 2617 §3.5 example") {
  const std::string ha1 = digest_ha1(DigestAlgorithm::md5, "Mufasa", "testrealm@host.com", "Circle Of Life");
  const DigestInput in{DigestAlgorithm::md5, DigestQop::auth, "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001",
                       "0a4f113b", "GET", "/dir/index.html", ""};
  CHECK(digest_response(in, ha1) == "6629fae49393a05397450978507c4ef1");
}

TEST_CASE("RFC 2069 form without qop") {
  // RFC 2069 §2.4's example, with the response corrected by its erratum.
  const std::string ha1 = digest_ha1(DigestAlgorithm::md5, "Mufasa", "testrealm@host.com", "CircleOfLife");
  DigestInput in;
  in.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
  in.method = "GET";
  in.uri = "/dir/index.html";
  CHECK(digest_response(in, ha1) == "1949323746fe6a43ef61f9606e7febea");
}

TEST_CASE("RFC 7616 §3.9.1 examples") {
  constexpr std::string_view realm = "http-auth@example.org";
  constexpr std::string_view nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
  constexpr std::string_view cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

  SUBCASE("response values") {
    for (const auto& [algorithm, expected] :
         {std::pair{DigestAlgorithm::md5, std::string_view("8ca523f5e9506fed4657c9700eebdbec")},
          std::pair{DigestAlgorithm::sha256,
                    std::string_view("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")}}) {
      const DigestInput in{algorithm, DigestQop::auth, nonce, "00000001", cnonce, "GET", "/dir/index.html", ""};
      CHECK(digest_response(in, digest_ha1(algorithm, "Mufasa", realm, "Circle of Life")) == expected);
    }
  }

  SUBCASE("the server accepts the RFC's Authorization value") {
    const std::string value =
        "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", uri=\"/dir/index.html\", "
        "algorithm=SHA-256, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", nc=00000001, "
        "cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", qop=auth, "
        "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\", "
        "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
    DigestCredentials c;
    REQUIRE(parse_digest_credentials(decode(value), c) == AuthErrc::ok);
    CHECK(c.username == "Mufasa");
    CHECK(c.nonce == nonce);
    CHECK(c.nc == 1);
    CHECK(c.algorithm == DigestAlgorithm::sha256);
    CHECK(c.qop == DigestQop::auth);
    CHECK(c.opaque == "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
    const DigestVerify v{.method = "GET", .realm = realm, .request_uri = "/dir/index.html", .password = "Circle of Life"};
    CHECK(verify_digest(c, v) == AuthErrc::ok);
    DigestVerify wrong = v;
    wrong.password = "Circle Of Life";
    CHECK(verify_digest(c, wrong) == AuthErrc::wrong_response);
    wrong = v;
    wrong.method = "POST";
    CHECK(verify_digest(c, wrong) == AuthErrc::wrong_response);
    wrong = v;
    wrong.request_uri = "/dir/other.html";
    CHECK(verify_digest(c, wrong) == AuthErrc::uri_mismatch);
    wrong = v;
    wrong.realm = "example.org";
    CHECK(verify_digest(c, wrong) == AuthErrc::wrong_realm);
    // A stored HA1 instead of the password.
    const std::string ha1 = digest_ha1(DigestAlgorithm::sha256, "Mufasa", realm, "Circle of Life");
    CHECK(verify_digest(c, {.method = "GET", .realm = realm, .ha1 = ha1}) == AuthErrc::ok);
  }
}

TEST_CASE("session algorithms hash the nonces into HA1") {
  const std::string ha1 = digest_ha1(DigestAlgorithm::md5_sess, "alice", "atlanta.com", "secret");
  const std::string session = digest_hash(DigestAlgorithm::md5, ha1 + ":n1:c1");
  const std::string ha2 = digest_hash(DigestAlgorithm::md5, "INVITE:sip:bob@biloxi.com");
  const DigestInput in{DigestAlgorithm::md5_sess, DigestQop::auth, "n1", "00000001", "c1",
                       "INVITE", "sip:bob@biloxi.com", ""};
  CHECK(digest_response(in, ha1) ==
        digest_hash(DigestAlgorithm::md5, session + ":n1:00000001:c1:auth:" + ha2));
}

TEST_CASE("auth-int hashes the body") {
  const std::string body = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n";
  const std::string ha1 = digest_ha1(DigestAlgorithm::sha256, "alice", "atlanta.com", "secret");
  const std::string ha2 =
      digest_hash(DigestAlgorithm::sha256, "INVITE:sip:bob@biloxi.com:" + digest_hash(DigestAlgorithm::sha256, body));
  const DigestInput in{DigestAlgorithm::sha256, DigestQop::auth_int, "n1", "00000001", "c1",
                       "INVITE", "sip:bob@biloxi.com", body};
  CHECK(digest_response(in, ha1) ==
        digest_hash(DigestAlgorithm::sha256, ha1 + ":n1:00000001:c1:auth-int:" + ha2));
}

TEST_CASE("every algorithm and qop: the client's answer verifies at the server") {
  const std::string body = "hello";
  for (const auto algorithm : {DigestAlgorithm::md5, DigestAlgorithm::md5_sess, DigestAlgorithm::sha256,
                               DigestAlgorithm::sha256_sess, DigestAlgorithm::sha512_256,
                               DigestAlgorithm::sha512_256_sess}) {
    for (const int qop : {0, 1, 2}) {
      CAPTURE(to_string(algorithm));
      CAPTURE(qop);
      const std::string challenge = make_digest_challenge(
          {.realm = "atlanta.com", .nonce = "abc", .algorithm = algorithm, .qop_auth = qop == 1,
           .qop_auth_int = qop == 2});
      DigestClient client(counting_random());
      REQUIRE(client.add_account({"alice", "secret", ""}));
      DigestRequestState state;
      const DigestRequest request{"MESSAGE", "sip:bob@biloxi.com", body};
      const DigestAnswer answer = client.on_challenge(challenges({challenge}), request, state);
      REQUIRE(answer);
      REQUIRE(answer.headers.size() == 1);
      const std::string& value = answer.headers[0].value;
      CHECK(server_verify(value, "MESSAGE", "atlanta.com", "secret", body) == AuthErrc::ok);
      CHECK(server_verify(value, "MESSAGE", "atlanta.com", "Secret", body) == AuthErrc::wrong_response);
      if (qop == 2) CHECK(server_verify(value, "MESSAGE", "atlanta.com", "secret", "hellO") == AuthErrc::wrong_response);
      CHECK(param_of(value, "algorithm") == to_string(algorithm));
      CHECK(param_of(value, "qop") == (qop == 0 ? "(absent)" : qop == 1 ? "auth" : "auth-int"));
      CHECK((param_of(value, "cnonce") == "(absent)") == (qop == 0 && !is_session(algorithm)));
    }
  }
}

TEST_CASE("the header values in canonical form") {
  SUBCASE("challenge") {
    CHECK(make_digest_challenge({.realm = "atlanta.com", .nonce = "84a4cc6f3082121f32b42a2187831a9e"}) ==
          "Digest realm=\"atlanta.com\", nonce=\"84a4cc6f3082121f32b42a2187831a9e\", algorithm=MD5, qop=\"auth\"");
    CHECK(make_digest_challenge({.realm = "a", .nonce = "n", .opaque = "o", .algorithm = DigestAlgorithm::sha256,
                                 .qop_auth_int = true, .stale = true}) ==
          "Digest realm=\"a\", nonce=\"n\", opaque=\"o\", stale=true, algorithm=SHA-256, qop=\"auth,auth-int\"");
    CHECK(make_digest_challenge({.realm = "a", .nonce = "n", .qop_auth = false}) ==
          "Digest realm=\"a\", nonce=\"n\", algorithm=MD5");
  }

  SUBCASE("credentials") {
    DigestClient client(counting_random());
    REQUIRE(client.add_account({"bob", "zanzibar", "biloxi.com"}));
    DigestRequestState state;
    const DigestRequest request{"REGISTER", "sip:biloxi.com", ""};
    const DigestAnswer answer = client.on_challenge(
        challenges({R"(Digest realm="biloxi.com", qop="auth", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41")"}),
        request, state);
    REQUIRE(answer);
    REQUIRE(answer.headers.size() == 1);
    CHECK(answer.headers[0].name() == "Authorization");
    const std::string ha1 = digest_ha1(DigestAlgorithm::md5, "bob", "biloxi.com", "zanzibar");
    const std::string response = digest_response({DigestAlgorithm::md5, DigestQop::auth,
                                                  "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001",
                                                  "000102030405060708090a0b0c0d0e0f", "REGISTER",
                                                  "sip:biloxi.com", ""},
                                                 ha1);
    CHECK(answer.headers[0].value ==
          "Digest username=\"bob\", realm=\"biloxi.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
          "uri=\"sip:biloxi.com\", response=\"" + response + "\", algorithm=MD5, "
          "cnonce=\"000102030405060708090a0b0c0d0e0f\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", "
          "qop=auth, nc=00000001");
  }

  SUBCASE("RFC 2069 form: no cnonce, qop or nc") {
    DigestClient client(counting_random());
    REQUIRE(client.add_account({"bob", "zanzibar", ""}));
    DigestRequestState state;
    const DigestAnswer answer =
        client.on_challenge(challenges({R"(Digest realm="biloxi.com", nonce="n1")"}), invite, state);
    REQUIRE(answer);
    CHECK(answer.headers[0].value.find("cnonce") == std::string::npos);
    CHECK(answer.headers[0].value.find("nc=") == std::string::npos);
    CHECK(server_verify(answer.headers[0].value, "INVITE", "biloxi.com", "zanzibar") == AuthErrc::ok);
  }

  SUBCASE("the uri is the Request-URI exactly as written") {
    DigestClient client(counting_random());
    REQUIRE(client.add_account({"bob", "zanzibar", ""}));
    DigestRequestState state;
    const DigestRequest request{"INVITE", "sip:Bob@Biloxi.COM;transport=tcp?Subject=hi%20there", ""};
    const DigestAnswer answer =
        client.on_challenge(challenges({R"(Digest realm="biloxi.com", nonce="n1", qop="auth")"}), request, state);
    REQUIRE(answer);
    CHECK(param_of(answer.headers[0].value, "uri") == request.uri);
  }
}

TEST_CASE("quoted-strings escape '\"' and '\\'") {
  DigestClient client(counting_random());
  const std::string username = "al\"ice\\x";
  REQUIRE(client.add_account({username, "pass word", ""}));
  CHECK_FALSE(client.add_account({"eve\r\nVia: x", "p", ""}));
  DigestRequestState state;
  // The nonce and realm come with quoted-pairs of their own.
  const DigestAnswer answer =
      client.on_challenge(challenges({R"(Digest realm="at\"lanta", nonce="n\\1", qop="auth")"}), invite, state);
  REQUIRE(answer);
  const std::string& value = answer.headers[0].value;
  CHECK(value.starts_with(R"(Digest username="al\"ice\\x", realm="at\"lanta", nonce="n\\1", )"));
  DigestCredentials c;
  CHECK(server_verify(value, "INVITE", "at\"lanta", "pass word", {}, &c) == AuthErrc::ok);
  CHECK(c.username == username);
  CHECK(c.nonce == "n\\1");

  // A fold inside a quoted value reads as one SP (RFC 3261 §7.3.1).
  DigestRequestState other;
  const DigestAnswer folded =
      client.on_challenge(challenges({"Digest realm=\"atlanta \r\n\t.com\", nonce=\"n2\""}), invite, other);
  REQUIRE(folded);
  CHECK(param_of(folded.headers[0].value, "realm") == "atlanta .com");
}

TEST_CASE("REGISTER round trip through parsed messages") {
  const std::string realm = "biloxi.com";
  const std::string nonce = "ea9c8e88df84f1cec4341ae6cbe5a359";
  const std::string challenge = make_digest_challenge(
      {.realm = realm, .nonce = nonce, .opaque = "xyz", .algorithm = DigestAlgorithm::sha256});
  const std::string response_text =
      "SIP/2.0 401 Unauthorized\r\n"
      "Via: SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashds7;received=192.0.2.4\r\n"
      "From: Bob <sip:bob@biloxi.com>;tag=a73kszlfl\r\n"
      "To: Bob <sip:bob@biloxi.com>;tag=1410948204\r\n"
      "Call-ID: 1j9FpLxk3uxtm8tn@biloxi.com\r\n"
      "CSeq: 1 REGISTER\r\n"
      "WWW-Authenticate: " + challenge + "\r\n"
      "Content-Length: 0\r\n\r\n";
  Message response;
  REQUIRE_FALSE(parse_message(response_text, response));

  auto register_with = [&](const std::string& authorization, int cseq) {
    return "REGISTER sip:registrar.biloxi.com SIP/2.0\r\n"
           "Via: SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashd" + std::to_string(cseq) + "\r\n"
           "Max-Forwards: 70\r\n"
           "To: Bob <sip:bob@biloxi.com>\r\n"
           "From: Bob <sip:bob@biloxi.com>;tag=a73kszlfl\r\n"
           "Call-ID: 1j9FpLxk3uxtm8tn@biloxi.com\r\n"
           "CSeq: " + std::to_string(cseq) + " REGISTER\r\n"
           "Contact: <sip:bob@192.0.2.4>\r\n"
           "Authorization: " + authorization + "\r\n"
           "Content-Length: 0\r\n\r\n";
  };
  // The registrar's side: find, parse, check the nonce, verify.
  auto registrar = [&](const std::string& text, std::string_view password, DigestCredentials& c) {
    Message request;
    REQUIRE_FALSE(parse_message(text, request));
    AuthValue v;
    REQUIRE(find_digest_credentials(request, false, realm, v));
    CHECK_FALSE(find_digest_credentials(request, true, realm, v));
    CHECK_FALSE(find_digest_credentials(request, false, "other.com", v));
    REQUIRE(find_digest_credentials(request, false, realm, v));
    REQUIRE(parse_digest_credentials(v, c) == AuthErrc::ok);
    CHECK(c.nonce == nonce);
    CHECK(c.opaque == "xyz");
    return verify_digest(c, {.method = request.method, .realm = realm, .request_uri = request.request_uri_text,
                             .password = password});
  };

  DigestClient client;  // OpenSSL's random source
  REQUIRE(client.add_account({"bob", "zanzibar", realm}));
  DigestRequestState state;
  const DigestRequest request{"REGISTER", "sip:registrar.biloxi.com", ""};
  const DigestAnswer answer = client.on_challenge(response, request, state);
  REQUIRE(answer);
  REQUIRE(answer.headers.size() == 1);
  CHECK(answer.headers[0].id == HeaderId::authorization);
  CHECK(param_of(answer.headers[0].value, "cnonce").size() == 32);
  DigestCredentials c;
  CHECK(registrar(register_with(answer.headers[0].value, 2), "zanzibar", c) == AuthErrc::ok);
  CHECK(c.username == "bob");
  CHECK(c.nc == 1);
  CHECK(c.algorithm == DigestAlgorithm::sha256);

  SUBCASE("wrong password") {
    DigestClient mallory;
    REQUIRE(mallory.add_account({"bob", "zanzibaR", ""}));
    DigestRequestState s;
    const DigestAnswer a = mallory.on_challenge(response, request, s);
    REQUIRE(a);
    CHECK(registrar(register_with(a.headers[0].value, 2), "zanzibar", c) == AuthErrc::wrong_response);
  }

  SUBCASE("refresh: pre-emptive credentials count the nonce up") {
    DigestRequestState refresh;
    const DigestAnswer again = client.authorize(request, refresh);
    REQUIRE(again);
    REQUIRE(again.headers.size() == 1);
    CHECK(param_of(again.headers[0].value, "nc") == "00000002");
    CHECK(registrar(register_with(again.headers[0].value, 3), "zanzibar", c) == AuthErrc::ok);
    CHECK(c.nc == 2);
    const DigestAnswer third = client.authorize(request, refresh);
    CHECK(param_of(third.headers[0].value, "nc") == "00000003");
    // The registrar found the same nonce re-challenged without stale: the
    // refresh's credentials were rejected.
    CHECK(client.on_challenge(response, request, refresh).error == AuthErrc::credentials_rejected);
  }
}

TEST_CASE("challenge loops") {
  DigestClient client(counting_random());
  REQUIRE(client.add_account({"alice", "secret", ""}));
  DigestRequestState state;
  const std::string first = R"(Digest realm="atlanta.com", nonce="n1", qop="auth")";
  REQUIRE(client.on_challenge(challenges({first}), invite, state));
  CHECK(state.rounds() == 1);

  SUBCASE("the same nonce again without stale is refused") {
    CHECK(client.on_challenge(challenges({first}), invite, state).error == AuthErrc::credentials_rejected);
  }

  SUBCASE("stale=true: retry with the new nonce, nc restarts") {
    const DigestAnswer a = client.on_challenge(
        challenges({R"(Digest realm="atlanta.com", nonce="n2", qop="auth", stale=TRUE)"}), invite, state);
    REQUIRE(a);
    CHECK(param_of(a.headers[0].value, "nonce") == "n2");
    CHECK(param_of(a.headers[0].value, "nc") == "00000001");
    CHECK(server_verify(a.headers[0].value, "INVITE", "atlanta.com", "secret") == AuthErrc::ok);
    // The new nonce rejected in turn.
    CHECK(client.on_challenge(challenges({R"(Digest realm="atlanta.com", nonce="n2", qop="auth")"}), invite, state)
              .error == AuthErrc::credentials_rejected);
  }

  SUBCASE("stale=true with the nonce already used is still answered, counting on") {
    const DigestAnswer a = client.on_challenge(
        challenges({R"(Digest realm="atlanta.com", nonce="n1", qop="auth", stale=true)"}), invite, state);
    REQUIRE(a);
    CHECK(param_of(a.headers[0].value, "nc") == "00000002");
  }

  SUBCASE("at most max_rounds challenges per request") {
    for (int i = 2; i <= DigestClient::default_max_rounds; ++i) {
      const std::string next = R"(Digest realm="atlanta.com", qop="auth", stale=true, nonce="m)" + std::to_string(i) + '"';
      CHECK(client.on_challenge(challenges({next}), invite, state));
    }
    CHECK(state.rounds() == DigestClient::default_max_rounds);
    CHECK(client.on_challenge(challenges({R"(Digest realm="atlanta.com", nonce="last", stale=true)"}), invite, state)
              .error == AuthErrc::too_many_rounds);
    // A new request starts afresh.
    DigestRequestState other;
    CHECK(client.on_challenge(challenges({R"(Digest realm="atlanta.com", nonce="last")"}), invite, other));
  }

  SUBCASE("a configurable bound") {
    DigestClient once(counting_random(), 1);
    REQUIRE(once.add_account({"alice", "secret", ""}));
    DigestRequestState s;
    CHECK(once.on_challenge(challenges({first}), invite, s));
    CHECK(once.on_challenge(challenges({R"(Digest realm="atlanta.com", nonce="n9", stale=true)"}), invite, s).error ==
          AuthErrc::too_many_rounds);
  }
}

TEST_CASE("algorithm choice among challenges") {
  auto chosen = [](std::initializer_list<std::string_view> www) {
    DigestClient client(counting_random());
    REQUIRE(client.add_account({"alice", "secret", ""}));
    DigestRequestState state;
    const DigestAnswer a = client.on_challenge(challenges(www), invite, state);
    REQUIRE(a);
    REQUIRE(a.headers.size() == 1);
    CHECK(server_verify(a.headers[0].value, "INVITE", "atlanta.com", "secret") == AuthErrc::ok);
    return param_of(a.headers[0].value, "algorithm");
  };
  const std::string_view md5 = R"(Digest realm="atlanta.com", nonce="n1", algorithm=MD5, qop="auth")";
  const std::string_view sha256 = R"(Digest realm="atlanta.com", nonce="n2", algorithm=SHA-256, qop="auth")";
  const std::string_view sha512 = R"(Digest realm="atlanta.com", nonce="n3", algorithm=SHA-512-256, qop="auth")";
  const std::string_view unknown = R"(Digest realm="atlanta.com", nonce="n4", algorithm=SHA3-256, qop="auth")";
  const std::string_view basic = R"(Basic realm="atlanta.com")";
  CHECK(chosen({md5, sha256}) == "SHA-256");
  CHECK(chosen({sha256, md5}) == "SHA-256");
  CHECK(chosen({md5, sha512, sha256}) == "SHA-512-256");
  CHECK(chosen({unknown, md5}) == "MD5");
  CHECK(chosen({basic, md5}) == "MD5");
  CHECK(chosen({R"(Digest realm="atlanta.com", nonce="n1")"}) == "MD5");  // absent: MD5
}

TEST_CASE("errors are values") {
  DigestClient client(counting_random());
  REQUIRE(client.add_account({"alice", "secret", "atlanta.com"}));
  DigestRequestState state;
  auto error_of = [&](std::initializer_list<std::string_view> www) {
    return client.on_challenge(challenges(www), invite, state).error;
  };
  CHECK(error_of({R"(Digest realm="atlanta.com", nonce="n", algorithm=SHA3-256)"}) == AuthErrc::unsupported_algorithm);
  CHECK(error_of({R"(Digest realm="atlanta.com", nonce="n", qop="auth-conf")"}) == AuthErrc::unsupported_qop);
  CHECK(error_of({R"(Digest realm="atlanta.com")"}) == AuthErrc::malformed);
  CHECK(error_of({R"(Digest nonce="n")"}) == AuthErrc::malformed);
  CHECK(error_of({R"(Basic realm="atlanta.com")"}) == AuthErrc::no_challenge);
  CHECK(error_of({}) == AuthErrc::no_challenge);
  CHECK(error_of({R"(Digest realm="biloxi.com", nonce="n")"}) == AuthErrc::no_credentials);
  CHECK(state.rounds() == 0);
  CHECK(to_string(AuthErrc::no_credentials) == "no credentials for the realm");

  SUBCASE("a failing random source") {
    DigestClient broken([](std::span<unsigned char>) { return false; });
    REQUIRE(broken.add_account({"alice", "secret", ""}));
    DigestRequestState s;
    CHECK(broken.on_challenge(challenges({R"(Digest realm="a", nonce="n", qop="auth")"}), invite, s).error ==
          AuthErrc::crypto_failed);
  }

  SUBCASE("server: incomplete credentials") {
    DigestCredentials c;
    CHECK(parse_digest_credentials(decode(R"(Digest username="a", realm="r", nonce="n", uri="sip:x")"), c) ==
          AuthErrc::malformed);
    CHECK(parse_digest_credentials(
              decode(R"(Digest username="a", realm="r", nonce="n", uri="sip:x", response="0", qop=auth, cnonce="c")"),
              c) == AuthErrc::malformed);  // no nc
    CHECK(parse_digest_credentials(decode(R"(Digest username="a", realm="r", nonce="n", uri="sip:x", response="0", )"
                                          R"(qop=auth, cnonce="c", nc=0000001g)"),
                                   c) == AuthErrc::malformed);
    CHECK(parse_digest_credentials(decode(R"(Digest username="a", realm="r", nonce="n", uri="sip:x", response="0", )"
                                          R"(algorithm=MD5-sess)"),
                                   c) == AuthErrc::malformed);  // -sess needs a cnonce
    CHECK(parse_digest_credentials(decode(R"(Digest username="a", realm="r", nonce="n", uri="sip:x", response="0", )"
                                          R"(algorithm=MD4)"),
                                   c) == AuthErrc::unsupported_algorithm);
    CHECK(parse_digest_credentials(decode(R"(Bearer token="x")"), c) == AuthErrc::no_challenge);
  }
}

TEST_CASE("accounts per realm: a proxy and a registrar") {
  DigestClient client(counting_random());
  REQUIRE(client.add_account({"alice-proxy", "p1", "proxy.atlanta.com"}));
  REQUIRE(client.add_account({"alice", "r1", "atlanta.com"}));
  DigestRequestState state;
  const DigestRequest request{"REGISTER", "sip:atlanta.com", ""};

  // 407 from the outbound proxy.
  const DigestAnswer a1 = client.on_challenge(
      challenges({}, {R"(Digest realm="proxy.atlanta.com", nonce="p", qop="auth")"}), request, state);
  REQUIRE(a1);
  REQUIRE(a1.headers.size() == 1);
  CHECK(a1.headers[0].id == HeaderId::proxy_authorization);
  CHECK(a1.headers[0].name() == "Proxy-Authorization");
  CHECK(param_of(a1.headers[0].value, "username") == "alice-proxy");

  // Then 401 from the registrar: the retry answers both, the proxy's with nc+1.
  const DigestAnswer a2 = client.on_challenge(
      challenges({R"(Digest realm="atlanta.com", nonce="r", qop="auth", algorithm=SHA-256)"}), request, state);
  REQUIRE(a2);
  REQUIRE(a2.headers.size() == 2);
  CHECK(a2.headers[0].id == HeaderId::authorization);
  CHECK(param_of(a2.headers[0].value, "username") == "alice");
  CHECK(server_verify(a2.headers[0].value, "REGISTER", "atlanta.com", "r1") == AuthErrc::ok);
  CHECK(a2.headers[1].id == HeaderId::proxy_authorization);
  CHECK(param_of(a2.headers[1].value, "nc") == "00000002");
  CHECK(server_verify(a2.headers[1].value, "REGISTER", "proxy.atlanta.com", "p1") == AuthErrc::ok);

  // A later request carries both pre-emptively.
  DigestRequestState next;
  const DigestAnswer a3 = client.authorize(invite, next);
  REQUIRE(a3);
  CHECK(a3.headers.size() == 2);

  // A forking proxy's merged challenges: one realm we know, one we do not.
  DigestRequestState forked;
  const DigestAnswer a4 = client.on_challenge(
      challenges({R"(Digest realm="atlanta.com", nonce="r2", qop="auth")", R"(Digest realm="chicago.com", nonce="c")"}),
      invite, forked);
  REQUIRE(a4);
  REQUIRE(a4.headers.size() == 1);
  CHECK(param_of(a4.headers[0].value, "realm") == "atlanta.com");

  client.clear_cache();
  DigestRequestState empty;
  const DigestAnswer none = client.authorize(invite, empty);
  CHECK(none);
  CHECK(none.headers.empty());
}
