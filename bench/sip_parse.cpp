// SIP message parsing benchmark: cosip beside two anchors, sofia-sip and
// libre, on the same realistic messages in the same run.
//
//   sip_parse_bench [--quick] [--messages DIR]
//       Times every parser on every *.sip message in DIR and prints ns/msg,
//       msgs/s and MB/s per parser, and cosip's speed relative to the faster
//       anchor. Each figure is the best of 5 runs of at least 0.3 s.
//   sip_parse_bench --callgrind PARSER FILE ITERATIONS
//       Parses FILE ITERATIONS times with one parser and exits; callgrind.sh
//       runs it with N and 2N iterations and takes the difference.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "bench/anchors.hpp"

#ifndef COSIP_BENCH_MESSAGES
#define COSIP_BENCH_MESSAGES "bench/messages"
#endif
#ifndef COSIP_BENCH_ANCHORS
#define COSIP_BENCH_ANCHORS "sofia-sip, libre"
#endif

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Parser {
  std::string_view name;
  bool (*decode)(std::string_view);
};

// cosip first: the table compares it with the best of the others.
constexpr std::array<Parser, 3> parsers{{
    {"cosip", cosip_decode},
    {"sofia-sip", sofia_sip_decode},
    {"libre", libre_decode},
}};

struct Sample {
  std::string name;
  std::string data;
};

struct Settings {
  double min_seconds = 0.3;  // per timed run
  int repeats = 5;           // the best run counts
};

[[noreturn]] void fail(const std::string& text) {
  std::fprintf(stderr, "sip_parse_bench: %s\n", text.c_str());
  std::exit(1);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The five reference messages in a fixed order, then any other *.sip by name.
std::vector<Sample> load_messages(const fs::path& dir) {
  static constexpr std::array<std::string_view, 5> order{
      "invite_sdp.sip", "ok_record_route.sip", "register_auth.sip", "notify_body.sip",
      "large_4k.sip"};
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_regular_file() && entry.path().extension() == ".sip") files.push_back(entry.path());
  if (ec) fail("cannot list " + dir.string() + ": " + ec.message());
  if (files.empty()) fail("no *.sip messages in " + dir.string());

  auto rank = [&](const fs::path& p) {
    return std::find(order.begin(), order.end(), p.filename().string()) - order.begin();
  };
  std::sort(files.begin(), files.end(), [&](const fs::path& a, const fs::path& b) {
    return std::pair(rank(a), a.filename()) < std::pair(rank(b), b.filename());
  });

  std::vector<Sample> samples;
  for (const auto& file : files) samples.push_back({file.filename().string(), read_file(file)});
  return samples;
}

const Parser* find_parser(std::string_view name) {
  if (name == "sofia") name = "sofia-sip";
  for (const auto& p : parsers)
    if (p.name == name) return &p;
  return nullptr;
}

// Runs `iterations` decodes and returns the elapsed seconds. Every decode must
// succeed: that also keeps the calls from being optimised away.
double run(const Parser& parser, std::string_view msg, std::uint64_t iterations) {
  std::uint64_t accepted = 0;
  const auto start = Clock::now();
  for (std::uint64_t i = 0; i < iterations; ++i) accepted += parser.decode(msg);
  const std::chrono::duration<double> elapsed = Clock::now() - start;
  if (accepted != iterations) fail(std::string(parser.name) + " rejected a message it accepted before");
  return elapsed.count();
}

// Best time per message in seconds.
double measure(const Parser& parser, std::string_view msg, const Settings& settings) {
  // Warm up and calibrate: grow the batch until it takes a tenth of a run.
  std::uint64_t n = 16;
  double t = run(parser, msg, n);
  while (t < settings.min_seconds / 10) {
    n *= 2;
    t = run(parser, msg, n);
  }
  n = static_cast<std::uint64_t>(std::ceil(n * settings.min_seconds * 1.05 / t));

  double best = INFINITY;
  for (int r = 0; r < settings.repeats; ++r) best = std::min(best, run(parser, msg, n) / n);
  return best;
}

void check_all_accepted(const std::vector<Sample>& samples) {
  bool ok = true;
  for (const auto& s : samples)
    for (const auto& p : parsers)
      if (!p.decode(s.data)) {
        std::fprintf(stderr, "sip_parse_bench: %.*s rejects %s\n", int(p.name.size()), p.name.data(),
                     s.name.c_str());
        ok = false;
      }
  if (!ok) fail("every parser must accept every message; nothing timed");
}

// 1234567 -> "1,234,567"
std::string grouped(double value) {
  const std::string digits = std::to_string(static_cast<std::uint64_t>(std::llround(value)));
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

void benchmark(const std::vector<Sample>& samples, const Settings& settings) {
  check_all_accepted(samples);

  std::printf("SIP parse benchmark: cosip vs %s\n", COSIP_BENCH_ANCHORS);
  std::printf("best of %d run(s) of >= %.2f s each; MB = 10^6 bytes; "
              "ratio = cosip msgs/s / best anchor msgs/s (> 1: cosip faster)\n\n",
              settings.repeats, settings.min_seconds);
  std::printf("%-22s %6s  %-10s %10s %12s %9s  %s\n", "message", "bytes", "parser", "ns/msg",
              "msgs/s", "MB/s", "cosip/best anchor");

  double log_ratio_sum = 0;
  for (const auto& s : samples) {
    std::array<double, parsers.size()> seconds{};
    for (std::size_t i = 0; i < parsers.size(); ++i) seconds[i] = measure(parsers[i], s.data, settings);

    const auto best_anchor = std::min_element(seconds.begin() + 1, seconds.end()) - seconds.begin();
    const double ratio = seconds[best_anchor] / seconds[0];
    log_ratio_sum += std::log(ratio);

    for (std::size_t i = 0; i < parsers.size(); ++i) {
      const double ns = seconds[i] * 1e9;
      const double per_second = 1 / seconds[i];
      const double mb_per_second = per_second * double(s.data.size()) / 1e6;
      std::printf("%-22s %6s  %-10.*s %10.1f %12s %9.1f", i == 0 ? s.name.c_str() : "",
                  i == 0 ? std::to_string(s.data.size()).c_str() : "", int(parsers[i].name.size()),
                  parsers[i].name.data(), ns, grouped(per_second).c_str(), mb_per_second);
      if (i == 0)
        std::printf("  %.2fx vs %.*s", ratio, int(parsers[best_anchor].name.size()),
                    parsers[best_anchor].name.data());
      std::printf("\n");
    }
    std::fflush(stdout);
  }
  std::printf("\ncosip/best anchor, geometric mean over %zu messages: %.2fx\n", samples.size(),
              std::exp(log_ratio_sum / double(samples.size())));
}

int callgrind_mode(std::string_view parser_name, const fs::path& file, std::string_view count) {
  const Parser* parser = find_parser(parser_name);
  if (parser == nullptr) fail("unknown parser " + std::string(parser_name) + " (cosip, sofia-sip, libre)");
  char* end = nullptr;
  const std::string count_text(count);
  const unsigned long long iterations = std::strtoull(count_text.c_str(), &end, 10);
  if (count_text.empty() || *end != '\0') fail("bad iteration count " + count_text);

  const std::string msg = read_file(file);
  if (!parser->decode(msg)) fail(std::string(parser->name) + " rejects " + file.string());
  run(*parser, msg, iterations);
  return 0;
}

void usage() {
  std::fprintf(stderr,
               "usage: sip_parse_bench [--quick] [--messages DIR]\n"
               "       sip_parse_bench --callgrind PARSER FILE ITERATIONS\n"
               "parsers: cosip, sofia-sip, libre; default DIR: %s\n",
               COSIP_BENCH_MESSAGES);
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  Settings settings;
  fs::path dir = COSIP_BENCH_MESSAGES;

  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--quick") {
      settings.repeats = 1;
      settings.min_seconds = 0.05;
    } else if (args[i] == "--messages" && i + 1 < args.size()) {
      dir = args[++i];
    } else if (args[i] == "--callgrind" && i + 3 < args.size()) {
      return callgrind_mode(args[i + 1], args[i + 2], args[i + 3]);
    } else {
      usage();
      return args[i] == "--help" || args[i] == "-h" ? 0 : 2;
    }
  }

  benchmark(load_messages(dir), settings);
  return 0;
}
