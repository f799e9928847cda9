// The parsers the benchmark compares: cosip and two anchors, sofia-sip and
// libre. Each entry point decodes one complete SIP message (as one datagram
// carries it) including the headers listed in its file, and returns whether
// the message was accepted.
#pragma once

#include <string_view>

bool cosip_decode(std::string_view msg);
bool sofia_sip_decode(std::string_view msg);
bool libre_decode(std::string_view msg);
