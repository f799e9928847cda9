// Typed access to the SDP attributes cosip uses. Each decode_* reads one
// attribute value (the text after "a=name:") and returns an AttrError naming
// the fault and its byte; decoded fields are views into that value, valid as
// long as the attribute lives. Each encode() writes the value back in its
// canonical form, for the negotiator's own descriptions.
//
//   rtpmap, fmtp, ptime, maxptime         RFC 8866 §6
//   rtcp                                  RFC 3605
//   setup, connection                     RFC 4145 (for MSRP: RFC 6135)
//   crypto                                RFC 4568
//   ice-ufrag, ice-pwd, ice-options,
//   candidate, remote-candidates          RFC 8839
//   path, accept-types,
//   accept-wrapped-types, max-size        RFC 4975
//   file-selector, file-transfer-id,
//   file-disposition, file-date,
//   file-range                            RFC 5547
// Direction attributes are properties (session_description.hpp), as are
// rtcp-mux (RFC 5761) and end-of-candidates (RFC 8839).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sdp/error.hpp"

namespace cosip::sdp {

// a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]
struct Rtpmap {
  std::uint8_t payload_type = 0;  // 0..127
  std::string_view encoding;
  std::uint32_t clock_rate = 0;
  std::uint16_t channels = 1;  // audio encoding parameter; 1 when absent
};
AttrError decode_rtpmap(std::string_view value, Rtpmap& out);
std::string encode(const Rtpmap& r);

// a=fmtp:<format> <format specific parameters>
struct Fmtp {
  std::string_view format;
  std::string_view parameters;
};
AttrError decode_fmtp(std::string_view value, Fmtp& out);
// The value of `name` in "a=b;c=d" style parameters (names case-insensitive).
std::optional<std::string_view> fmtp_parameter(std::string_view parameters, std::string_view name);

// a=ptime / a=maxptime: milliseconds; a fraction (RFC 8866 allows "20.5") is
// rounded down.
AttrError decode_ptime(std::string_view value, std::uint32_t& milliseconds);

// a=rtcp:<port> [<nettype> <addrtype> <connection-address>] (RFC 3605 §2.1)
struct Rtcp {
  std::uint16_t port = 0;
  std::string_view net_type;
  std::string_view addr_type;
  std::string_view address;  // empty: the media's own address
};
AttrError decode_rtcp(std::string_view value, Rtcp& out);

// a=setup (RFC 4145 §4) and a=connection (§5)
enum class Setup : std::uint8_t { active, passive, actpass, holdconn };
AttrError decode_setup(std::string_view value, Setup& out);
std::string_view to_string(Setup s);
enum class ConnectionMode : std::uint8_t { fresh, existing };  // "new" / "existing"
AttrError decode_connection_mode(std::string_view value, ConnectionMode& out);

// a=crypto:<tag> <crypto-suite> <key-params> [<session-params>] (RFC 4568 §4)
struct KeyParams {
  std::string_view key_salt;              // base64 of master key || salt
  std::optional<std::uint64_t> lifetime;  // packets ("2^31" expanded)
  std::optional<std::uint32_t> mki;
  std::uint8_t mki_length = 0;            // bytes, 1..128, when mki is set
};
struct Crypto {
  std::uint32_t tag = 0;  // 1*9DIGIT
  std::string_view suite;
  std::vector<KeyParams> keys;  // "inline:" key-params, ';'-separated
  std::vector<std::string_view> session_params;
};
AttrError decode_crypto(std::string_view value, Crypto& out);
std::string encode(const Crypto& c);
// The suites cosip's SRTP supports: their key||salt length in bytes
// (RFC 4568 §6.2, RFC 7714 §14.2), 0 for any other suite.
std::size_t srtp_key_salt_bytes(std::string_view suite);
bool is_supported_suite(std::string_view suite);

// a=ice-ufrag / a=ice-pwd (RFC 8839 §5.4): ice-char = ALPHA / DIGIT / "+" / "/",
// 4..256 characters for the ufrag, 22..256 for the password.
AttrError decode_ice_ufrag(std::string_view value);
AttrError decode_ice_pwd(std::string_view value);
// a=ice-options:<option> *(SP <option>) (RFC 8839 §5.6)
AttrError decode_ice_options(std::string_view value, std::vector<std::string_view>& out);

// a=candidate (RFC 8839 §5.1)
struct Candidate {
  std::string_view foundation;
  std::uint16_t component = 0;  // 1..256
  std::string_view transport;   // "UDP" (or an extension)
  std::uint32_t priority = 0;
  std::string_view address;
  std::uint16_t port = 0;
  std::string_view type;  // host, srflx, prflx, relay
  std::string_view related_address;
  std::optional<std::uint16_t> related_port;
  std::vector<std::pair<std::string_view, std::string_view>> extensions;
};
AttrError decode_candidate(std::string_view value, Candidate& out);

// a=remote-candidates:<component> <address> <port> ... (RFC 8839 §5.2)
struct RemoteCandidate {
  std::uint16_t component = 0;
  std::string_view address;
  std::uint16_t port = 0;
};
AttrError decode_remote_candidates(std::string_view value, std::vector<RemoteCandidate>& out);

// a=path:<MSRP URI> *(SP <MSRP URI>) (RFC 4975 §8.2, §9): msrp:// or msrps://
AttrError decode_path(std::string_view value, std::vector<std::string_view>& out);
// a=accept-types / a=accept-wrapped-types: media types, "type/*" or "*" (RFC 4975 §8.6)
AttrError decode_accept_types(std::string_view value, std::vector<std::string_view>& out);
// a=max-size:<bytes> (RFC 4975 §8.6)
AttrError decode_max_size(std::string_view value, std::uint64_t& out);

// a=file-selector (RFC 5547 §6): name:"..." type:... size:N hash:<algo>:<hex pairs>
struct FileSelector {
  std::string_view name;  // the quoted name, quotes removed (percent-encoding kept)
  std::string_view type;  // media type, parameters included
  std::optional<std::uint64_t> size;
  std::string_view hash_algorithm;  // "sha-1"
  std::string_view hash;            // "72:24:5F:..."
};
AttrError decode_file_selector(std::string_view value, FileSelector& out);
std::string encode(const FileSelector& f);
// a=file-transfer-id (RFC 5547 §6): a token, unique per transfer
AttrError decode_file_transfer_id(std::string_view value);
// a=file-disposition (RFC 5547 §6): a token such as "render" or "attachment"
AttrError decode_file_disposition(std::string_view value);
// a=file-date (RFC 5547 §6): creation:"<date>" modification:"<date>" read:"<date>"
struct FileDate {
  std::string_view creation;
  std::string_view modification;
  std::string_view read;
};
AttrError decode_file_date(std::string_view value, FileDate& out);
// a=file-range:<start>-<stop> (RFC 5547 §6); stop "*" = the end of the file
struct FileRange {
  std::uint64_t start = 1;
  std::optional<std::uint64_t> stop;
};
AttrError decode_file_range(std::string_view value, FileRange& out);

}  // namespace cosip::sdp
