// Which bytes of one MSRP message have arrived. Chunks carry a Byte-Range
// (RFC 4975 §7.1.1: 1-based, inclusive) and may come out of order, overlap
// or repeat; a message is whole when every byte of its total is in. Pure,
// and its memory depends on how fragmented the arrivals are, never on the
// message's size; the number of disjoint ranges is bounded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>

namespace cosip::msrp {

class ReceivedRanges {
 public:
  enum class Result {
    added,           // some bytes were new
    duplicate,       // every byte was already in
    invalid,         // end before start, byte 0, or an unknown end
    beyond_total,    // past the message's total
    too_fragmented,  // more disjoint ranges than allowed: refuse the chunk
  };

  explicit ReceivedRanges(std::size_t max_ranges = 1024) : max_ranges_(max_ranges) {}

  // The message's size, once a chunk tells it; false when it contradicts a
  // total told before or bytes already received.
  bool set_total(std::uint64_t total);
  std::optional<std::uint64_t> total() const { return total_; }

  // Bytes [start, end] arrived.
  Result add(std::uint64_t start, std::uint64_t end);

  std::uint64_t received_bytes() const { return received_; }
  // Bytes 1..n all arrived: what a success report may cover from the start.
  std::uint64_t contiguous() const;
  // The total is known and every byte of it arrived.
  bool complete() const;
  std::size_t range_count() const { return ranges_.size(); }

 private:
  std::size_t max_ranges_;
  std::optional<std::uint64_t> total_;
  std::map<std::uint64_t, std::uint64_t> ranges_;  // start -> end, disjoint, not adjacent
  std::uint64_t received_ = 0;
};

}  // namespace cosip::msrp
