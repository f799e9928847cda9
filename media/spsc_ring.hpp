// A lock-free ring for one producer thread and one consumer thread: how
// frames cross between the real-time audio callback and the media thread
// (ARCHITECTURE.md, "Threads and executors"). push and pop never lock,
// allocate or make a system call; the storage is allocated once, at
// construction.
//
// Each side owns one index and only reads the other's: the producer
// publishes the items it copied with a release store of `head_`, which the
// consumer's acquire load of it orders before reading them; the consumer
// hands slots back the same way through `tail_`. The indices count items
// ever pushed and popped (they wrap around only at SIZE_MAX + 1, a multiple
// of the capacity), and a power-of-two capacity makes the slot a mask.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <memory>
#include <new>
#include <span>
#include <type_traits>

namespace cosip::media {

template <typename T>
class SpscRing {
  static_assert(std::is_trivially_copyable_v<T>);
  static_assert(std::atomic<std::size_t>::is_always_lock_free);

 public:
  // Holds min_capacity items, rounded up to a power of two.
  explicit SpscRing(std::size_t min_capacity)
      : capacity_(std::bit_ceil(std::max<std::size_t>(min_capacity, 1))),
        mask_(capacity_ - 1),
        slots_(std::make_unique<T[]>(capacity_)) {}

  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  std::size_t capacity() const { return capacity_; }

  // Producer: copies as many of `items` as there is room for; returns how
  // many.
  std::size_t push(std::span<const T> items) {
    const std::size_t head = head_.load(std::memory_order_relaxed);
    const std::size_t tail = tail_.load(std::memory_order_acquire);
    const std::size_t count = std::min(items.size(), capacity_ - (head - tail));
    const std::size_t start = head & mask_;
    const std::size_t first = std::min(count, capacity_ - start);
    std::copy_n(items.data(), first, slots_.get() + start);
    std::copy_n(items.data() + first, count - first, slots_.get());
    head_.store(head + count, std::memory_order_release);
    return count;
  }

  // Consumer: moves up to out.size() items into `out`; returns how many.
  std::size_t pop(std::span<T> out) {
    const std::size_t tail = tail_.load(std::memory_order_relaxed);
    const std::size_t head = head_.load(std::memory_order_acquire);
    const std::size_t count = std::min(out.size(), head - tail);
    const std::size_t start = tail & mask_;
    const std::size_t first = std::min(count, capacity_ - start);
    std::copy_n(slots_.get() + start, first, out.data());
    std::copy_n(slots_.get(), count - first, out.data() + first);
    tail_.store(tail + count, std::memory_order_release);
    return count;
  }

  // Items waiting, as seen at some moment during the call: the consumer
  // can pop at least this many, the producer push at least capacity - this.
  // The tail is read first, so the difference is never negative.
  std::size_t size() const {
    const std::size_t tail = tail_.load(std::memory_order_acquire);
    return head_.load(std::memory_order_acquire) - tail;
  }

 private:
  // Apart so that the two threads' stores do not share a cache line.
  static constexpr std::size_t line = 64;

  const std::size_t capacity_;
  const std::size_t mask_;
  const std::unique_ptr<T[]> slots_;
  alignas(line) std::atomic<std::size_t> head_{0};  // written by the producer only
  alignas(line) std::atomic<std::size_t> tail_{0};  // written by the consumer only
};

}  // namespace cosip::media
