#include "apps/parse_command.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "msrp/cpim.hpp"
#include "msrp/parser.hpp"
#include "msrp/serializer.hpp"
#include "sdp/session_description.hpp"
#include "sip/syntax/message.hpp"
#include "sip/syntax/serializer.hpp"

namespace cosip::apps {
namespace {

bool read_input(const std::string& path, std::string& out) {
  std::ostringstream buffer;
  if (path == "-") {
    buffer << std::cin.rdbuf();
  } else {
    std::ifstream file(path, std::ios::binary);
    if (!file) return false;
    buffer << file.rdbuf();
  }
  out = std::move(buffer).str();
  return true;
}

}  // namespace

int parse_sip(const std::string& path) {
  std::string data;
  if (!read_input(path, data)) {
    std::cerr << "error: cannot read " << path << '\n';
    return 2;
  }
  sip::Message msg;
  if (const sip::ParseError e = sip::parse_message(data, msg)) {
    std::cerr << "error: " << e.message() << '\n';
    return 1;
  }
  const std::string canonical = sip::serialize(msg);
  std::fwrite(canonical.data(), 1, canonical.size(), stdout);
  return 0;
}

int parse_sdp(const std::string& path) {
  std::string data;
  if (!read_input(path, data)) {
    std::cerr << "error: cannot read " << path << '\n';
    return 2;
  }
  sdp::SessionDescription sd;
  if (const sdp::ParseError e = sdp::parse(data, sd)) {
    std::cerr << "error: " << e.message() << '\n';
    return 1;
  }
  const std::string canonical = sdp::serialize(sd);
  std::fwrite(canonical.data(), 1, canonical.size(), stdout);
  return 0;
}

int parse_cpim(const std::string& path) {
  std::string data;
  if (!read_input(path, data)) {
    std::cerr << "error: cannot read " << path << '\n';
    return 2;
  }
  msrp::CpimMessage msg;
  if (const msrp::CpimError e = msrp::unwrap_cpim(data, msg)) {
    std::cerr << "error: " << e.message() << '\n';
    return 1;
  }
  std::string canonical;
  msrp::wrap_cpim(msg, canonical);  // cannot fail on what unwrap_cpim accepted (fuzz/cpim checks it)
  std::fwrite(canonical.data(), 1, canonical.size(), stdout);
  return 0;
}

int parse_msrp(const std::string& path) {
  std::string data;
  if (!read_input(path, data)) {
    std::cerr << "error: cannot read " << path << '\n';
    return 2;
  }
  msrp::Message msg;
  if (const msrp::ParseError e = msrp::parse_message(data, msg)) {
    std::cerr << "error: " << e.message() << '\n';
    return 1;
  }
  const std::string canonical = msrp::serialize(msg.head.get(), msg.body, msg.flag);
  std::fwrite(canonical.data(), 1, canonical.size(), stdout);
  return 0;
}

}  // namespace cosip::apps
