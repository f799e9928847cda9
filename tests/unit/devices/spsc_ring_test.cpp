// The SPSC ring: capacity, full and empty, wrap-around of the slots, and a
// producer and a consumer thread moving two million numbers through a small
// ring, every one arriving once and in order.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <numeric>
#include <thread>
#include <vector>

#include "media/spsc_ring.hpp"

using cosip::media::SpscRing;

TEST_CASE("ring: capacity is a power of two, at least what was asked") {
  CHECK(SpscRing<int>(8).capacity() == 8);
  CHECK(SpscRing<int>(7680).capacity() == 8192);
  CHECK(SpscRing<int>(0).capacity() == 1);
}

TEST_CASE("ring: empty pops nothing, full pushes nothing") {
  SpscRing<int> ring(4);
  std::array<int, 8> out{};
  CHECK(ring.size() == 0);
  CHECK(ring.pop(out) == 0);

  const std::array<int, 6> in{1, 2, 3, 4, 5, 6};
  CHECK(ring.push(in) == 4);  // the rest does not fit
  CHECK(ring.size() == 4);
  CHECK(ring.push(std::span(in).first(1)) == 0);

  CHECK(ring.pop(std::span(out).first(3)) == 3);
  CHECK(out[0] == 1);
  CHECK(out[2] == 3);
  CHECK(ring.size() == 1);
  CHECK(ring.pop(out) == 1);
  CHECK(out[0] == 4);
  CHECK(ring.pop(out) == 0);
}

TEST_CASE("ring: items wrap around the end of the slots in order") {
  SpscRing<int> ring(8);
  std::vector<int> out(8);
  int next_in = 0, next_out = 0;
  // Chunks of 5 against a capacity of 8: every push and pop after the
  // first crosses the end at a different offset.
  for (int round = 0; round < 40; ++round) {
    std::vector<int> in(5);
    std::iota(in.begin(), in.end(), next_in);
    REQUIRE(ring.push(in) == 5);
    next_in += 5;
    REQUIRE(ring.pop(std::span(out).first(5)) == 5);
    for (int i = 0; i < 5; ++i) REQUIRE(out[static_cast<std::size_t>(i)] == next_out++);
  }
  // Filled to the brim across the end, then drained.
  std::vector<int> in(8);
  std::iota(in.begin(), in.end(), next_in);
  CHECK(ring.push(in) == 8);
  CHECK(ring.pop(out) == 8);
  CHECK(out == in);
}

TEST_CASE("ring: two threads, two million items, none lost, none reordered") {
  constexpr std::uint32_t total = 1u << 21;
  SpscRing<std::uint32_t> ring(64);
  std::uint64_t sent_sum = 0;

  std::thread producer([&] {
    std::uint32_t next = 0;
    std::vector<std::uint32_t> chunk;
    std::size_t size = 1;
    while (next < total) {
      size = size % 37 + 1;  // chunk sizes 1..37, against a capacity of 64
      chunk.clear();
      for (std::uint32_t i = next; i < total && chunk.size() < size; ++i) chunk.push_back(i * 2654435761u);
      std::size_t done = 0;
      while (done < chunk.size()) {
        const std::size_t pushed = ring.push(std::span(chunk).subspan(done));
        if (pushed == 0) std::this_thread::yield();
        done += pushed;
      }
      for (const std::uint32_t v : chunk) sent_sum += v;
      next += static_cast<std::uint32_t>(chunk.size());
    }
  });

  std::uint64_t received_sum = 0;
  std::uint32_t received = 0;
  std::uint32_t out_of_order = 0;
  std::vector<std::uint32_t> out(53);
  std::size_t size = 1;
  while (received < total) {
    size = size % 53 + 1;
    const std::size_t got = ring.pop(std::span(out).first(size));
    if (got == 0) std::this_thread::yield();
    for (std::size_t i = 0; i < got; ++i) {
      if (out[i] != received * 2654435761u) ++out_of_order;
      received_sum += out[i];
      ++received;
    }
  }
  producer.join();

  CHECK(received == total);
  CHECK(out_of_order == 0);
  CHECK(received_sum == sent_sum);
  CHECK(ring.size() == 0);
}
