// The name a received file gets on disk. A peer names its file in the SDP
// file-selector (RFC 5547); like a MIME filename parameter (RFC 2183 §2.3)
// it is a suggestion: only its last component counts, it is checked against
// the filesystem's rules, and it never overwrites a file.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace cosip::msrp {

// A name safe to create in the download directory: the last component of
// what the peer sent (after '/' or '\'), control characters (below 0x20,
// 0x7f) turned into '_', no leading dots or spaces (no hidden file, no "."
// or ".."), at most 255 bytes with the extension kept; "file" when nothing
// is left.
std::string sanitize_file_name(std::string_view received);

// `name`, or "stem-1.ext", "stem-2.ext" ... : the first that `exists` says
// is free, so that nothing is ever overwritten.
std::string unused_file_name(const std::string& name, const std::function<bool(const std::string&)>& exists);

}  // namespace cosip::msrp
