// Jitter buffers side by side: cosip's JitterBuffer and speexdsp's
// JitterBuffer (the anchor) play the same seeded traces of the network
// impairment simulator, with the same 20 ms playout tick and the same codec
// (tests/unit/jitter/test_decoder.hpp: payloads name their packet).
//
//   jitter_buffer_bench [--quick] [--minutes N] [--seeds N] [--seed-base B] [--budget LATE_SHARE]
//                       [--history PACKETS] [--wait-chance P]
//       Three traces (media/impairment.hpp presets), each N minutes of
//       20 ms packets (default 10; --quick: 2) for each of the seeds
//       B+1 .. B+N (default B 0, N 5; --quick: N 2); the tick's phase
//       against the sender's clock varies with the seed. Other seed bases
//       check that a verdict does not hang on one set of seeds. --budget
//       sets cosip's late-loss budget (JitterBufferConfig::late_loss_budget)
//       to trace its trade-off, --history its estimator's memory
//       (history_packets), --wait-chance its min_wait_chance.
//
// Figures, pooled over the seeds:
//   added delay   mean over played packets of (time its first sample is
//                 played) - (time it arrived): the wait in the buffer, as
//                 WebRTC's jitterBufferDelay counts it;
//   end-to-end    mean over played packets of playout - send - the trace's
//                 base (least) network delay, for reference;
//   late-loss     packets that arrived but were never played, % of those
//                 that arrived;
//   concealed     frames played as concealment (network loss included),
//                 % of the packets sent;
//   stretched     frames the time-stretch inserted or cut, % of the packets
//                 sent: the price of cosip's delay control (speexdsp has
//                 none; it conceals or drops whole frames), not a goal.
// speexdsp runs as its documentation and its own wrapper use it: defaults
// (auto-adjust on, margin 0, max late rate 4 %), step = one packet,
// jitter_buffer_put on arrival, jitter_buffer_get each tick (a concealed
// frame unless JITTER_BUFFER_OK, insertions as long as the span asked),
// then jitter_buffer_tick.
#include <speex/speex_jitter.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "media/impairment.hpp"
#include "media/jitter_buffer.hpp"
#include "tests/unit/jitter/test_decoder.hpp"

namespace {

using namespace cosip::media;
using cosip::test::IndexDecoder;

constexpr int rate = 8000;
constexpr int frame = 160;
constexpr Micros ptime{20000};

struct Figures {
  std::size_t sent = 0;
  std::size_t arrived = 0;  // unique packets
  std::size_t played = 0;
  std::size_t concealed_frames = 0;
  std::size_t stretched_frames = 0;
  double added_us = 0;      // sums over played packets
  double end_to_end_us = 0;

  void add(const Figures& o) {
    sent += o.sent;
    arrived += o.arrived;
    played += o.played;
    concealed_frames += o.concealed_frames;
    stretched_frames += o.stretched_frames;
    added_us += o.added_us;
    end_to_end_us += o.end_to_end_us;
  }
  double added_ms() const { return played ? added_us / static_cast<double>(played) / 1000 : 0; }
  double end_to_end_ms() const { return played ? end_to_end_us / static_cast<double>(played) / 1000 : 0; }
  double late_pct() const { return arrived ? 100.0 * static_cast<double>(arrived - played) / static_cast<double>(arrived) : 0; }
  double concealed_pct() const { return sent ? 100.0 * static_cast<double>(concealed_frames) / frame / static_cast<double>(sent) : 0; }
  double stretched_pct() const { return sent ? 100.0 * static_cast<double>(stretched_frames) / frame / static_cast<double>(sent) : 0; }
};

struct Trace {
  std::vector<Delivery> deliveries;
  std::vector<Micros> first_arrival;  // per packet; -1 when lost
  std::size_t sent = 0;
  std::size_t arrived = 0;
  std::size_t last_arrived = 0;  // the index of the last packet that arrives
  Micros base{0};
  Micros phase{0};  // of the ticks
};

Trace make_trace(TracePreset preset, std::uint64_t seed, std::size_t packets) {
  Trace t;
  const ImpairmentConfig config = trace_preset(preset);
  t.deliveries = impair_stream(config, seed, packets, ptime);
  t.sent = packets;
  t.base = config.base_delay;
  t.phase = Micros(static_cast<std::int64_t>((seed * 7919) % 20000));
  t.first_arrival.assign(packets, Micros(-1));
  for (const Delivery& d : t.deliveries) {
    if (t.first_arrival[d.packet] < Micros(0)) {
      t.first_arrival[d.packet] = d.arrival;
      ++t.arrived;
    }
    t.last_arrived = std::max(t.last_arrived, d.packet);
  }
  return t;
}

// The end-to-end sum of the packets played: playout - send - base, where
// playout = arrival + its wait.
double end_to_end(const Trace& t, std::size_t index, double wait_us) {
  const double transit = static_cast<double>((t.first_arrival[index] - ptime * static_cast<std::int64_t>(index) - t.base).count());
  return transit + wait_us;
}

// Ticks until the trace's last packet has had its turn.
template <typename Tick>
void drive(const Trace& t, IndexDecoder& decoder, Tick&& tick) {
  std::size_t next = 0;
  bool done = false;
  for (Micros now = t.phase; !done; now += ptime) {
    for (; next < t.deliveries.size() && t.deliveries[next].arrival <= now; ++next) tick.put(t.deliveries[next]);
    decoder.calls.clear();
    tick.get(now);
    for (const auto& c : decoder.calls)
      if (c.kind == IndexDecoder::Kind::decoded && c.index >= t.last_arrived) done = true;
    // Past the last arrival by a few seconds: the last packets were late.
    if (next == t.deliveries.size() && now > t.deliveries.back().arrival + Micros(5000000)) done = true;
  }
}

// Overrides of cosip's JitterBufferConfig when > 0.
double budget_override = 0;       // --budget: late_loss_budget
int history_override = 0;         // --history: history_packets
double wait_chance_override = 0;  // --wait-chance: min_wait_chance
Figures run_cosip(const Trace& t) {
  IndexDecoder decoder(rate, frame);
  JitterBufferConfig config;
  config.clock_rate = rate;
  if (budget_override > 0) config.late_loss_budget = budget_override;
  if (history_override > 0) config.history_packets = history_override;
  if (wait_chance_override > 0) config.min_wait_chance = wait_chance_override;
  cosip::media::JitterBuffer buffer(decoder, config);
  std::vector<std::int16_t> out(frame);
  Figures f;
  f.sent = t.sent;
  f.arrived = t.arrived;
  std::vector<std::uint32_t> played;
  struct Tick {
    cosip::media::JitterBuffer& buffer;
    IndexDecoder& decoder;
    std::vector<std::int16_t>& out;
    std::vector<std::uint32_t>& played;
    void put(const Delivery& d) {
      const auto payload = IndexDecoder::payload(static_cast<std::uint32_t>(d.packet));
      RtpAudioPacket p;
      p.sequence_number = static_cast<std::uint16_t>(d.packet);
      p.timestamp = static_cast<std::uint32_t>(d.packet * frame);
      p.ssrc = 1;
      p.payload = payload;
      buffer.push(p, TimePoint(d.arrival));
    }
    void get(Micros now) {
      buffer.pull(TimePoint(now), out);
      for (const auto& c : decoder.calls)
        if (c.kind == IndexDecoder::Kind::decoded) played.push_back(c.index);
    }
  } tick{buffer, decoder, out, played};
  drive(t, decoder, tick);
  const JitterBufferStatistics& s = buffer.statistics();
  f.played = played.size();
  f.concealed_frames = s.concealed_frames;
  f.stretched_frames = s.inserted_frames + s.removed_frames;
  f.added_us = static_cast<double>(s.added_delay_total.count());
  for (const std::uint32_t i : played) f.end_to_end_us += end_to_end(t, i, 0);
  f.end_to_end_us += f.added_us;
  return f;
}

Figures run_speex(const Trace& t) {
  IndexDecoder decoder(rate, frame);
  ::JitterBuffer* jb = jitter_buffer_init(frame);
  Figures f;
  f.sent = t.sent;
  f.arrived = t.arrived;
  struct Tick {
    ::JitterBuffer* jb;
    IndexDecoder& decoder;
    const Trace& t;
    Figures& f;
    std::int64_t fifo = 0;  // frames the application holds beyond this tick
    std::vector<std::int16_t> pcm = std::vector<std::int16_t>(static_cast<std::size_t>(frame) * 64);
    void put(const Delivery& d) {
      auto payload = IndexDecoder::payload(static_cast<std::uint32_t>(d.packet));
      JitterBufferPacket p;
      std::memset(&p, 0, sizeof p);
      p.data = reinterpret_cast<char*>(payload.data());
      p.len = static_cast<spx_uint32_t>(payload.size());
      p.timestamp = static_cast<spx_uint32_t>(d.packet * frame);
      p.span = frame;
      p.sequence = static_cast<spx_uint16_t>(d.packet);
      p.user_data = static_cast<spx_uint32_t>(d.packet);
      jitter_buffer_put(jb, &p);
    }
    void conceal(std::int64_t frames) {
      for (std::int64_t done = 0; done < frames; done += frame) {
        const int n = static_cast<int>(std::min<std::int64_t>(frame, frames - done));
        decoder.conceal(n, pcm);
        f.concealed_frames += static_cast<std::size_t>(n);
      }
    }
    void get(Micros now) {
      while (fifo < frame) {
        char data[64];
        JitterBufferPacket p;
        std::memset(&p, 0, sizeof p);
        p.data = data;
        p.len = sizeof data;
        spx_int32_t offset = 0;
        const int r = jitter_buffer_get(jb, &p, static_cast<spx_int32_t>(frame - fifo), &offset);
        if (r == JITTER_BUFFER_OK) {
          if (offset > 0) {
            conceal(offset);
            fifo += offset;
          }
          const auto bytes = std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(p.data), p.len);
          const std::int64_t at = now.count() + fifo * 1000000 / rate;
          const int n = decoder.decode(bytes, pcm);
          if (n > 0) {
            ++f.played;
            const double wait = static_cast<double>(at - t.first_arrival[p.user_data].count());
            f.added_us += wait;
            f.end_to_end_us += end_to_end(t, p.user_data, wait);
          }
          fifo += std::max(n, 0);
        } else {
          const std::int64_t span = p.span > 0 ? p.span : frame;
          conceal(span);
          fifo += span;
        }
      }
      fifo -= frame;
      jitter_buffer_tick(jb);
    }
  } tick{jb, decoder, t, f};
  drive(t, decoder, tick);
  jitter_buffer_destroy(jb);
  return f;
}

void print(const char* who, const Figures& f) {
  std::printf("  %-8s %10.1f %12.1f %10.2f %11.2f %11.2f\n", who, f.added_ms(), f.end_to_end_ms(), f.late_pct(),
              f.concealed_pct(), f.stretched_pct());
}

}  // namespace

int main(int argc, char** argv) {
  int minutes = 10, seeds = 5;
  std::uint64_t seed_base = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") {
      minutes = 2;
      seeds = 2;
    } else if (a == "--minutes" && i + 1 < argc) {
      minutes = std::atoi(argv[++i]);
    } else if (a == "--budget" && i + 1 < argc) {
      budget_override = std::atof(argv[++i]);
    } else if (a == "--history" && i + 1 < argc) {
      history_override = std::atoi(argv[++i]);
    } else if (a == "--wait-chance" && i + 1 < argc) {
      wait_chance_override = std::atof(argv[++i]);
    } else if (a == "--seeds" && i + 1 < argc) {
      seeds = std::atoi(argv[++i]);
    } else if (a == "--seed-base" && i + 1 < argc) {
      seed_base = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr,
                   "usage: jitter_buffer_bench [--quick] [--minutes N] [--seeds N] [--seed-base B] [--budget LATE_SHARE]\n"
                   "                           [--history PACKETS] [--wait-chance P]\n");
      return 2;
    }
  }
  const auto packets = static_cast<std::size_t>(minutes) * 60 * 50;
  std::printf("jitter buffers on seeded traces: %d min of 20 ms packets x %d seeds (%llu..%llu) each, 20 ms playout tick\n",
              minutes, seeds, static_cast<unsigned long long>(seed_base + 1),
              static_cast<unsigned long long>(seed_base + static_cast<std::uint64_t>(seeds)));
  std::printf("speexdsp %s: defaults (auto-adjust, margin 0, max late rate 4 %%), step 160 (one packet)\n\n",
              COSIP_SPEEXDSP_VERSION);
  bool goal = true;
  for (const TracePreset preset : {TracePreset::clean_10ms, TracePreset::random_loss_40ms, TracePreset::bursty_loss_80ms}) {
    Figures cosip, speex;
    for (int s = 1; s <= seeds; ++s) {
      const Trace t = make_trace(preset, seed_base + static_cast<std::uint64_t>(s), packets);
      cosip.add(run_cosip(t));
      speex.add(run_speex(t));
    }
    std::printf("trace: %s\n", to_string(preset));
    std::printf("  %-8s %10s %12s %10s %11s %11s\n", "", "added ms", "end-to-end", "late-loss%", "concealed%", "stretched%");
    print("cosip", cosip);
    print("speexdsp", speex);
    const double ratio = speex.added_ms() > 0 ? cosip.added_ms() / speex.added_ms() : 0;
    const bool met = ratio <= 0.8 && cosip.late_pct() <= speex.late_pct();
    goal = goal && met;
    std::printf("  cosip/speexdsp added delay %.2f, end-to-end %.2f; late-loss %s: goal (<= 0.8x at <= late-loss) %s\n\n",
                ratio, speex.end_to_end_ms() > 0 ? cosip.end_to_end_ms() / speex.end_to_end_ms() : 0,
                cosip.late_pct() <= speex.late_pct() ? "<=" : ">", met ? "met" : "NOT met");
  }
  std::printf("goal on every trace: %s\n", goal ? "met" : "NOT met");
  return 0;
}
