// The transaction layer (RFC 3261 §17): owns the client and server
// transactions, matches incoming messages to them (§17.1.3, §17.2.3) and keeps
// their timers in one queue. Pure: the I/O shell passes messages and time in,
// and drains the bytes to send after every call.
//
// Flow for an incoming message:
//   response -> client transaction by (top Via branch, CSeq method)
//               -> to the TU, absorbed, or stray (no transaction: 2xx
//                  retransmissions of a finished INVITE, for the dialog layer)
//   request  -> server transaction by (branch, sent-by, method; ACK -> INVITE)
//               -> retransmission absorbed / ACK to the TU / new request: a
//                  server transaction is created (not for ACK) and the TU answers
// A message's matching key is written into one reused buffer and looked up
// as a view; a transaction owns its key, which its table entry views. The
// tables hold some 64*T1 worth of transactions; growing one moves small
// entries and reads nothing else (no key, no transaction), so it stalls
// the executor for milliseconds, not for the hundreds it took with
// chained nodes at a million entries (long enough for SIPp to retransmit).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "sip/syntax/message.hpp"
#include "sip/transaction/client_transaction.hpp"
#include "sip/transaction/server_transaction.hpp"

namespace cosip::sip {

using TransactionId = std::uint64_t;

// What the shell does with an incoming message.
struct Incoming {
  enum class Kind : std::uint8_t {
    response,       // a response for the TU of client transaction `id`
    stray_response, // matches no transaction (e.g. a retransmitted 2xx to INVITE)
    request,        // a new request; server transaction `id` awaits the TU's answer
    ack,            // an ACK for the TU: for a 2xx (dialog layer), `id` 0 when unmatched
    absorbed,       // a retransmission the transaction layer handled
  };
  Kind kind;
  TransactionId id = 0;
};

// A timer or transport outcome the TU must hear of.
struct TransactionEvent {
  enum class Kind : std::uint8_t { timeout, transport_error, ack_timeout, terminated };
  Kind kind;
  TransactionId id;
  std::uint64_t context;  // the shell's tag given at creation
};

struct Transmit {
  TransactionId id;
  std::uint64_t context;
  std::string_view bytes;  // valid until the next call into the layer
};

class TransactionLayer {
 public:
  explicit TransactionLayer(const TimerConfig& timers = {}) : timers_(timers) {}

  const TimerConfig& timers() const { return timers_; }

  // Starts a client transaction for a request the TU built (its top Via
  // carries a unique branch). `context` is the shell's tag for where to send.
  TransactionId start_client(std::string request, bool reliable, std::uint64_t context, TimePoint now);

  // A parsed incoming message. `context` tags where it came from (used for
  // server transactions created by it).
  Incoming on_message(const Message& msg, bool reliable, std::uint64_t context, TimePoint now);

  // The TU's response for server transaction `id`. False when the
  // transaction is gone or already answered finally.
  bool respond(TransactionId id, int code, std::string response, TimePoint now);

  // The transport failed to send for transaction `id` (§17.1.4, §17.2.4).
  void on_transport_error(TransactionId id);

  std::optional<TimePoint> next_timeout();
  void on_timeout(TimePoint now);

  // Drains what to send, one message at a time.
  std::optional<Transmit> poll_transmit();
  // Drains events for the TU.
  std::optional<TransactionEvent> poll_event();

  // The server transaction `request` would match if it had `method`: the
  // INVITE a CANCEL cancels (§9.2). 0 when there is none.
  TransactionId find_server(const Message& request, std::string_view method) const;

  // The client transaction's request, for a TU that answers a challenge or
  // cancels it; nullptr when gone.
  const ClientTransaction* client(TransactionId id) const;
  std::size_t size() const { return clients_.size() + servers_.size(); }

 private:
  struct Client {
    Client(std::string request, bool reliable, const TimerConfig& timers, TimePoint now, std::uint64_t context)
        : txn(std::move(request), reliable, timers, now), context(context) {}
    ClientTransaction txn;
    std::string key;
    std::uint64_t context;
    std::optional<TimePoint> scheduled;  // last deadline queued for it
  };
  struct Server {
    Server(bool invite, bool reliable, const TimerConfig& timers, std::string_view key, std::uint64_t context)
        : txn(invite, reliable, timers), key(key), context(context) {}
    ServerTransaction txn;
    std::string key;
    std::uint64_t context;
    std::optional<TimePoint> scheduled;
  };
  // A matching key with its hash, kept so that a growing table need not
  // read the key again.
  struct MatchKey {
    std::string_view text;  // the key a transaction owns, or key_ for a lookup
    std::size_t hash;
    bool operator==(const MatchKey& o) const { return hash == o.hash && text == o.text; }
  };
  struct MatchKeyHash {
    std::size_t operator()(const MatchKey& k) const { return k.hash; }
  };
  static MatchKey match_key(std::string_view text) { return {text, std::hash<std::string_view>{}(text)}; }

  struct Deadline {
    TimePoint at;
    TransactionId id;
    bool operator>(const Deadline& o) const { return at > o.at; }
  };

  void after_client(TransactionId id, Client& c);
  void after_server(TransactionId id, Server& s);
  void schedule(TransactionId id, std::optional<TimePoint>& scheduled, std::optional<TimePoint> at);
  void push_event(TransactionEvent::Kind kind, TransactionId id, std::uint64_t context);

  TimerConfig timers_;
  TransactionId next_id_ = 1;
  // Open addressing: a message that starts a transaction (most do) finds
  // no match in about one cache line, where chained buckets cost a miss per
  // node.
  boost::unordered_flat_map<TransactionId, std::unique_ptr<Client>> clients_;
  boost::unordered_flat_map<TransactionId, std::unique_ptr<Server>> servers_;
  boost::unordered_flat_map<MatchKey, TransactionId, MatchKeyHash> client_keys_;
  boost::unordered_flat_map<MatchKey, TransactionId, MatchKeyHash> server_keys_;
  mutable std::string key_;  // the key of the message being matched
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
  std::deque<TransactionId> pending_transmit_;  // in the order they became due
  std::vector<TransactionEvent> events_;
  std::size_t event_head_ = 0;
};

}  // namespace cosip::sip
