// Indication of message composition (RFC 3994): the
// application/im-iscomposing+xml document, and the composer's and the
// receiver's state machines with time as an input.
//
// The reader takes exactly this document: an optional XML declaration
// (version 1.0, encoding UTF-8), comments and whitespace, the root
// isComposing in namespace urn:ietf:params:xml:ns:im-iscomposing (default
// or prefixed), then state, lastactive?, contenttype?, refresh? in the
// schema's order (§4), then elements of other namespaces, which are skipped.
// No DOCTYPE, no processing instructions, no entities but the five
// predefined ones and character references. It never throws.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cosip::msrp {

inline constexpr std::string_view is_composing_namespace = "urn:ietf:params:xml:ns:im-iscomposing";
inline constexpr std::string_view is_composing_content_type = "application/im-iscomposing+xml";

enum class ComposingState : std::uint8_t { idle, active };

struct IsComposing {
  ComposingState state = ComposingState::idle;
  std::string lastactive;                // RFC 3339 date-time; empty when absent
  std::string contenttype;               // what is being composed ("text", "audio"); empty when absent
  std::optional<std::uint32_t> refresh;  // seconds until the next "active" (positiveInteger)

  bool operator==(const IsComposing&) const = default;
};

struct IsComposingError {
  const char* what = nullptr;  // null when the document was read
  std::uint32_t offset = 0;    // byte of the document where the fault lies

  explicit operator bool() const { return what != nullptr; }
  // "unknown element in the isComposing namespace at byte 120"
  std::string message() const;
};

struct IsComposingLimits {
  std::size_t max_size = 16 * 1024;  // whole document
  std::size_t max_depth = 8;         // element nesting, inside skipped foreign elements too
  std::size_t max_elements = 64;
  std::size_t max_attributes = 16;   // per element
};

struct IsComposingOptions {
  bool allow_any_order = false;  // the four known children in any order (some clients send refresh first)
};

IsComposingError parse_is_composing(std::string_view document, IsComposing& out, const IsComposingOptions& options = {},
                                    const IsComposingLimits& limits = {});

// The document for `doc`, with the XML declaration and the default namespace.
// lastactive must be an RFC 3339 date-time when set; contenttype is escaped.
std::string serialize_is_composing(const IsComposing& doc);

using ComposingClock = std::chrono::steady_clock;
using ComposingTime = ComposingClock::time_point;

// Composer side (RFC 3994 §3.2).
//
// Flow:  idle --typing / send "active"--> active
//        active --typing--> active (idle timer restarted, nothing sent)
//        active --refresh timer / send "active"--> active
//        active --no typing for the idle timeout / send "idle"--> idle
//        active --message sent (the message itself says so)--> idle
class Composer {
 public:
  struct Config {
    std::chrono::seconds idle_timeout{15};  // §3.2 RECOMMENDED
    std::chrono::seconds refresh{90};       // put in <refresh>; §3.2: not below 60 s
  };
  enum class Action : std::uint8_t { none, send_active, send_idle };

  Composer() = default;
  explicit Composer(const Config& config) : config_(config) {}

  Action on_typing(ComposingTime now);
  void on_message_sent();
  Action on_timeout(ComposingTime now);
  std::optional<ComposingTime> next_timeout() const;

  ComposingState state() const { return state_; }
  // The document of the last action: an "active" carries the refresh.
  // lastactive (a wall-clock time) and contenttype are the shell's to add.
  IsComposing status() const;

 private:
  Config config_;
  ComposingState state_ = ComposingState::idle;
  ComposingTime idle_at_{};
  ComposingTime refresh_at_{};
};

// Receiver side (RFC 3994 §3.3).
//
// Flow:  idle --"active"--> active (expires after its refresh, 120 s without)
//        active --"active"--> active (expiry moved)
//        active --"idle", a content message, or the expiry--> idle
class ComposingReceiver {
 public:
  struct Config {
    std::chrono::seconds default_refresh{120};  // §3.3: an "active" without refresh
  };

  ComposingReceiver() = default;
  explicit ComposingReceiver(const Config& config) : config_(config) {}

  // Each returns whether the indicated state changed.
  bool on_status(const IsComposing& doc, ComposingTime now);
  bool on_message();
  bool on_timeout(ComposingTime now);
  std::optional<ComposingTime> next_timeout() const;

  ComposingState state() const { return state_; }

 private:
  Config config_;
  ComposingState state_ = ComposingState::idle;
  ComposingTime expires_at_{};
};

}  // namespace cosip::msrp
