// Fuzz target for the SDP parser, serializer and typed attribute decoders.
// The first byte chooses the leniency flags (one bit each); the rest is the
// description. Besides memory errors and UB it checks that the canonical
// form of an accepted description parses again to the same model and is a
// fixed point of serialize(parse(.)).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sdp/attributes.hpp"
#include "sdp/session_description.hpp"

namespace {

using namespace cosip::sdp;

void check(bool ok) {
  if (!ok) std::abort();
}

ParseOptions options_from(std::uint8_t bits) {
  ParseOptions o;
  o.allow_lf = bits & 1;
  o.allow_unterminated_last_line = bits & 2;
  o.allow_trailing_whitespace = bits & 4;
  o.allow_missing_session_name = bits & 8;
  o.allow_missing_timing = bits & 16;
  o.allow_missing_connection = bits & 32;
  return o;
}

// Runs the decoder that matches the attribute's name; the result only
// matters to the sanitizers.
void decode(const Attribute& a) {
  if (!a.value) return;
  const std::string_view v = *a.value;
  std::vector<std::string_view> list;
  std::uint32_t u32 = 0;
  std::uint64_t u64 = 0;
  if (a.name == "rtpmap") {
    Rtpmap r;
    if (!decode_rtpmap(v, r)) check(!decode_rtpmap(encode(r), r));
  } else if (a.name == "fmtp") {
    Fmtp f;
    if (!decode_fmtp(v, f)) (void)fmtp_parameter(f.parameters, "mode");
  } else if (a.name == "ptime" || a.name == "maxptime") {
    (void)decode_ptime(v, u32);
  } else if (a.name == "rtcp") {
    Rtcp r;
    (void)decode_rtcp(v, r);
  } else if (a.name == "setup") {
    Setup s;
    (void)decode_setup(v, s);
  } else if (a.name == "connection") {
    ConnectionMode m;
    (void)decode_connection_mode(v, m);
  } else if (a.name == "crypto") {
    Crypto c;
    if (!decode_crypto(v, c)) {
      const std::string again = encode(c);
      Crypto d;
      check(!decode_crypto(again, d) && d.tag == c.tag && d.keys.size() == c.keys.size());
    }
  } else if (a.name == "ice-ufrag") {
    (void)decode_ice_ufrag(v);
  } else if (a.name == "ice-pwd") {
    (void)decode_ice_pwd(v);
  } else if (a.name == "ice-options") {
    (void)decode_ice_options(v, list);
  } else if (a.name == "candidate") {
    Candidate c;
    (void)decode_candidate(v, c);
  } else if (a.name == "remote-candidates") {
    std::vector<RemoteCandidate> r;
    (void)decode_remote_candidates(v, r);
  } else if (a.name == "path") {
    (void)decode_path(v, list);
  } else if (a.name == "accept-types" || a.name == "accept-wrapped-types") {
    (void)decode_accept_types(v, list);
  } else if (a.name == "max-size") {
    (void)decode_max_size(v, u64);
  } else if (a.name == "file-selector") {
    FileSelector f;
    if (!decode_file_selector(v, f)) {
      FileSelector g;
      check(!decode_file_selector(encode(f), g) && g.name == f.name && g.size == f.size);
    }
  } else if (a.name == "file-transfer-id") {
    (void)decode_file_transfer_id(v);
  } else if (a.name == "file-disposition") {
    (void)decode_file_disposition(v);
  } else if (a.name == "file-date") {
    FileDate d;
    (void)decode_file_date(v, d);
  } else if (a.name == "file-range") {
    FileRange r;
    (void)decode_file_range(v, r);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ParseOptions options = options_from(data[0]);
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  SessionDescription sd;
  if (parse(input, sd, options)) return 0;
  for (const Attribute& a : sd.attributes) decode(a);
  for (const MediaDescription& md : sd.media)
    for (const Attribute& a : md.attributes) decode(a);
  const std::string canonical = serialize(sd);
  // The canonical form may be a little longer (CRLF for LF, an added s= or t=).
  Limits relaxed;
  relaxed.max_size *= 2;
  relaxed.max_lines += 2;
  SessionDescription again;
  check(!parse(canonical, again, options, relaxed));
  check(again == sd);
  check(serialize(again) == canonical);
  return 0;
}
