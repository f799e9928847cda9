#include "msrp/received_ranges.hpp"

#include <algorithm>
#include <iterator>

namespace cosip::msrp {

bool ReceivedRanges::set_total(std::uint64_t total) {
  if (total_) return *total_ == total;
  if (!ranges_.empty() && std::prev(ranges_.end())->second > total) return false;
  total_ = total;
  return true;
}

ReceivedRanges::Result ReceivedRanges::add(std::uint64_t start, std::uint64_t end) {
  if (start == 0 || end < start || end == UINT64_MAX) return Result::invalid;
  if (total_ && end > *total_) return Result::beyond_total;
  // The ranges that touch [start, end], adjacency included, merge into one.
  auto first = ranges_.upper_bound(start);
  if (first != ranges_.begin() && std::prev(first)->second + 1 >= start) --first;
  auto last = first;
  std::uint64_t merged_start = start;
  std::uint64_t merged_end = end;
  std::uint64_t covered = 0;  // bytes of [start, end] already in
  for (; last != ranges_.end() && last->first <= end + 1; ++last) {
    const std::uint64_t lo = std::max(start, last->first);
    const std::uint64_t hi = std::min(end, last->second);
    if (hi >= lo) covered += hi - lo + 1;
    merged_start = std::min(merged_start, last->first);
    merged_end = std::max(merged_end, last->second);
  }
  const std::uint64_t fresh = (end - start + 1) - covered;
  if (fresh == 0) return Result::duplicate;
  const auto absorbed = static_cast<std::size_t>(std::distance(first, last));
  if (absorbed == 0 && ranges_.size() >= max_ranges_) return Result::too_fragmented;
  ranges_.erase(first, last);
  ranges_.emplace(merged_start, merged_end);
  received_ += fresh;
  return Result::added;
}

std::uint64_t ReceivedRanges::contiguous() const {
  if (ranges_.empty() || ranges_.begin()->first != 1) return 0;
  return ranges_.begin()->second;
}

bool ReceivedRanges::complete() const {
  return total_ && (*total_ == 0 || (ranges_.size() == 1 && contiguous() == *total_));
}

}  // namespace cosip::msrp
