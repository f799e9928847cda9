// SDP offer/answer benchmark: how many offers cosip parses and answers per
// second, on the golden offers of tests/data/sdp/golden (captured from
// baresip and SIPp, and written after the RFC examples).
//
//   sdp_offer_answer_bench [--quick] [--golden DIR]
//       For each golden offer that has an answer: parse (as the manifest
//       says), answer with a fresh Negotiator, serialize the answer. Prints
//       ns/offer and offers/s per vector and over all of them; each figure
//       is the best of 5 runs of at least 0.3 s (--quick: 3 of 0.1 s).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "sdp/negotiator.hpp"
#include "tests/unit/sdp_test_support.hpp"
#include "tests/unit/test_support.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace cosip;

struct Vector {
  test::GoldenCase golden;
  std::string offer;
};

// One offer parsed and answered; returns the answer's size so the work is not optimised away.
std::size_t offer_answer(const Vector& v, const sdp::LocalCapabilities& caps) {
  sdp::SessionDescription offer;
  if (sdp::parse(v.offer, offer, v.golden.lenient ? sdp::ParseOptions::lenient() : sdp::ParseOptions{})) std::abort();
  sdp::Negotiator negotiator(caps);
  sdp::SessionDescription answer;
  if (negotiator.answer(offer, answer)) std::abort();
  return sdp::serialize(answer).size();
}

// Best ns per offer over `repeats` runs of at least `min_seconds`, cycling through `vectors`.
double time_ns(const std::vector<const Vector*>& vectors, double min_seconds, int repeats) {
  std::vector<sdp::LocalCapabilities> caps;
  for (const Vector* v : vectors) caps.push_back(test::golden_capabilities(v->golden.srtp, v->golden.ice, v->golden.msrp_tls));
  double best = 1e300;
  std::size_t sink = 0;
  for (int r = 0; r < repeats; ++r) {
    std::size_t n = 0;
    const auto start = Clock::now();
    double elapsed = 0;
    do {
      for (std::size_t i = 0; i < vectors.size(); ++i) sink += offer_answer(*vectors[i], caps[i]);
      n += vectors.size();
      elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < min_seconds);
    best = std::min(best, elapsed * 1e9 / static_cast<double>(n));
  }
  if (sink == 0) std::abort();
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = test::data_dir() + "/sdp/golden";
  double min_seconds = 0.3;
  int repeats = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      min_seconds = 0.1;
      repeats = 3;
    } else if (arg == "--golden" && i + 1 < argc) {
      dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: sdp_offer_answer_bench [--quick] [--golden DIR]\n");
      return 2;
    }
  }
  std::vector<Vector> vectors;
  for (const test::GoldenCase& c : test::golden_cases(dir)) {
    if (!c.acceptable) continue;
    bool ok = false;
    Vector v{c, test::read_file(dir + "/" + c.name + ".offer.sdp", &ok)};
    if (!ok) {
      std::fprintf(stderr, "sdp_offer_answer_bench: cannot read %s/%s.offer.sdp\n", dir.c_str(), c.name.c_str());
      return 1;
    }
    vectors.push_back(std::move(v));
  }
  if (vectors.empty()) {
    std::fprintf(stderr, "sdp_offer_answer_bench: no golden offers in %s\n", dir.c_str());
    return 1;
  }
  std::printf("%-34s %8s %12s\n", "offer", "ns/offer", "offers/s");
  for (const Vector& v : vectors) {
    const double ns = time_ns({&v}, min_seconds, repeats);
    std::printf("%-34s %8.0f %12.0f\n", v.golden.name.c_str(), ns, 1e9 / ns);
  }
  std::vector<const Vector*> all;
  for (const Vector& v : vectors) all.push_back(&v);
  const double ns = time_ns(all, min_seconds, repeats);
  std::printf("%-34s %8.0f %12.0f\n", "all (cycled)", ns, 1e9 / ns);
  return 0;
}
