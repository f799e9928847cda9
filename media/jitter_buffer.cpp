#include "media/jitter_buffer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace cosip::media {

namespace {

constexpr std::int64_t no_transit = std::numeric_limits<std::int64_t>::max();
// The bounds of the tail the target leaves out (the quantile between 0.9
// and 0.999); the upper one keeps a calm spell from leaving the target too
// low when jitter returns.
constexpr double least_tail = 1e-3;
constexpr double most_tail = 0.1;

std::int64_t micros(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

}  // namespace

DelayEstimator::DelayEstimator(int max_delay_ms, int history_packets)
    : histogram_(static_cast<std::size_t>(std::max(1, max_delay_ms)) + 1),
      forget_(1.0 - 1.0 / std::max(2, history_packets)) {
  reset();
}

void DelayEstimator::reset() {
  std::fill(histogram_.begin(), histogram_.end(), 0.0);
  weight_ = 1;
  total_ = 0;
  count_ = 0;
  minimum_.fill(no_transit);
  second_.fill(-1);
}

void DelayEstimator::add(std::int64_t transit_us, std::int64_t arrival_us) {
  const std::int64_t second = arrival_us / bucket_us;
  const auto slot = static_cast<std::size_t>(((second % static_cast<std::int64_t>(buckets)) + buckets) % buckets);
  if (second_[slot] != second) {
    second_[slot] = second;
    minimum_[slot] = transit_us;
  } else {
    minimum_[slot] = std::min(minimum_[slot], transit_us);
  }
  // Buckets older than the window no longer count.
  for (std::size_t i = 0; i < buckets; ++i)
    if (second_[i] >= 0 && second - second_[i] >= static_cast<std::int64_t>(buckets)) minimum_[i] = no_transit;
  ++count_;
  const std::int64_t spread = transit_us - base_us();
  const auto bin = static_cast<std::size_t>(std::clamp<std::int64_t>(spread / 1000, 0, static_cast<std::int64_t>(histogram_.size()) - 1));
  // Each sample weighs 1/forget_ times the one before: the histogram then
  // holds weights decaying exponentially with age, without touching every
  // bin per packet.
  weight_ /= forget_;
  histogram_[bin] += weight_;
  total_ += weight_;
  if (weight_ > 1e200) {
    for (double& h : histogram_) h /= weight_;
    total_ /= weight_;
    weight_ = 1;
  }
}

std::int64_t DelayEstimator::base_us() const {
  const std::int64_t least = *std::min_element(minimum_.begin(), minimum_.end());
  return least == no_transit ? 0 : least;
}

double DelayEstimator::share_above(std::int64_t spread_us) const {
  if (total_ <= 0) return 0;
  const auto last = static_cast<std::int64_t>(histogram_.size());
  double above = 0;
  for (auto i = static_cast<std::size_t>(std::clamp<std::int64_t>(spread_us / 1000, 0, last)); i < histogram_.size(); ++i)
    above += histogram_[i];
  return above / total_;
}

std::int64_t DelayEstimator::spread_us(double quantile) const {
  if (total_ <= 0) return 0;
  const double wanted = quantile * total_;
  double sum = 0;
  for (std::size_t i = 0; i < histogram_.size(); ++i) {
    sum += histogram_[i];
    if (sum >= wanted) return static_cast<std::int64_t>(i + 1) * 1000;  // the bin's upper edge
  }
  return static_cast<std::int64_t>(histogram_.size()) * 1000;
}

JitterBuffer::JitterBuffer(AudioDecoder& decoder, const JitterBufferConfig& config)
    : decoder_(decoder),
      config_(config),
      channels_(std::max(1, decoder.channels())),
      sample_rate_(decoder.sample_rate()),
      tick_frames_(decoder.sample_rate() * config.ptime_ms / 1000),
      limits_(stretch_limits(decoder.sample_rate())),
      estimator_(config.max_delay_ms, config.history_packets),
      span_(static_cast<std::int64_t>(config.clock_rate) * config.ptime_ms / 1000),
      tail_share_(1 - config.late_quantile) {
  seen_.fill(-1);
  other_.fill(-1);
}

std::int64_t JitterBuffer::unwrap(std::uint32_t timestamp) const {
  // RFC 3550 §5.1: timestamps wrap; the nearest unwrapped value is meant.
  const auto delta = static_cast<std::int32_t>(timestamp - static_cast<std::uint32_t>(ts_reference_));
  return ts_reference_ + delta;
}

std::int64_t JitterBuffer::ts_to_us(std::int64_t ts) const { return ts * 1000000 / config_.clock_rate; }
std::int64_t JitterBuffer::frames_to_ts(std::int64_t frames) const { return frames * config_.clock_rate / sample_rate_; }
std::int64_t JitterBuffer::ts_to_frames(std::int64_t ts) const { return ts * sample_rate_ / config_.clock_rate; }
std::int64_t JitterBuffer::fifo_frames() const { return static_cast<std::int64_t>(pcm_.size()) / channels_; }

std::int64_t JitterBuffer::delay_us(std::int64_t now_us) const {
  return now_us - ts_to_us(next_ts_ - frames_to_ts(fifo_frames())) - estimator_.base_us();
}

std::int64_t JitterBuffer::target_us() const {
  std::int64_t t = estimator_.spread_us(1 - tail_share_);
  if (estimator_.count() < 10) t = std::max<std::int64_t>(t, config_.initial_delay_ms * 1000);
  return std::clamp<std::int64_t>(t, config_.min_delay_ms * 1000, config_.max_delay_ms * 1000);
}

void JitterBuffer::skip(std::uint16_t sequence_number, std::uint32_t ssrc) {
  if (have_source_ && ssrc != ssrc_) return;  // another source's: its own numbering
  other_[sequence_number % other_.size()] = sequence_number;
}

int JitterBuffer::audio_gap(std::uint16_t from, std::uint16_t to) const {
  const auto gap = static_cast<std::int16_t>(static_cast<std::uint16_t>(to - from - 1));
  if (gap <= 0) return 0;
  if (gap >= static_cast<int>(other_.size())) return gap;  // longer than what is remembered
  int missing = 0;
  for (int i = 1; i <= gap; ++i) {
    const auto seq = static_cast<std::uint16_t>(from + i);
    if (other_[seq % other_.size()] != seq) ++missing;
  }
  return missing;
}

bool JitterBuffer::was_seen(std::uint16_t sequence_number) const {
  return seen_[sequence_number % seen_.size()] == sequence_number;
}

void JitterBuffer::count_on_time(bool on_time) {
  // Multiplicative steps whose balance point is the budget: a late packet
  // shrinks the tail by `late_step`, budget/(1-budget) on-time packets
  // widen it by as much.
  constexpr double late_step = 0.9;
  const double budget = std::clamp(config_.late_loss_budget, 1e-4, 0.5);
  tail_share_ *= on_time ? std::pow(late_step, -budget / (1 - budget)) : late_step;
  tail_share_ = std::clamp(tail_share_, least_tail, most_tail);
}

void JitterBuffer::resync() {
  store_.clear();
  estimator_.reset();
  state_ = State::waiting;
  have_source_ = false;
  have_sequence_ = false;
  missing_ticks_ = 0;
  awaiting_ = false;
  late_run_ = 0;
  seen_.fill(-1);
  other_.fill(-1);
  ++stats_.resyncs;
}

void JitterBuffer::push(const RtpAudioPacket& packet, TimePoint arrival) {
  const std::int64_t arrival_us = micros(arrival);
  const int frames = decoder_.frames_in(packet.payload);
  if (frames < 0) {
    ++stats_.discarded_packets;
    return;
  }
  // A new synchronisation source (RFC 3550 §8.2) starts afresh.
  if (have_source_ && packet.ssrc != ssrc_) resync();
  const auto adopt = [&] {
    have_source_ = true;
    ssrc_ = packet.ssrc;
    ts_reference_ = packet.timestamp;
  };
  if (!have_source_) adopt();
  std::int64_t ts = unwrap(packet.timestamp);
  std::int64_t transit = arrival_us - ts_to_us(ts);
  // A timestamp jump shows as a transit far off the others'.
  if (estimator_.count() > 0 && std::llabs(transit - estimator_.base_us()) > 2000LL * config_.max_delay_ms) {
    resync();
    adopt();
    ts = unwrap(packet.timestamp);
    transit = arrival_us - ts_to_us(ts);
  }
  const std::uint16_t seq = packet.sequence_number;
  if (store_.count(ts) != 0 || was_seen(seq)) {
    ++stats_.duplicate_packets;
    return;
  }
  if (state_ == State::playing && ts < next_ts_ && ts > last_played_ts_ &&
      next_ts_ - ts <= static_cast<std::int64_t>(config_.clock_rate) * config_.max_rewind_ms / 1000) {
    // Its turn has passed, concealed, but nothing after it has played yet:
    // it plays next, and the concealment it missed stays in as a
    // lengthening of the delay, which the time-stretch takes back.
    next_ts_ = ts;
    ++stats_.rewound_packets;
  }
  if (state_ != State::waiting && ts < next_ts_) {
    // Its turn has passed: late. It still tells the estimator about the
    // network, which is how the target rises quickly.
    ++stats_.late_packets;
    seen_[seq % seen_.size()] = seq;
    estimator_.add(transit, arrival_us);
    count_on_time(false);
    if (++late_run_ < config_.resync_late_packets) return;
    // A run of late packets: a backwards timestamp jump or a long stall.
    resync();
    adopt();
    ts = unwrap(packet.timestamp);
    transit = arrival_us - ts_to_us(ts);
  }
  if ((state_ != State::waiting && ts - next_ts_ > static_cast<std::int64_t>(config_.clock_rate) * config_.max_delay_ms / 1000) ||
      store_.size() >= config_.max_packets) {
    ++stats_.discarded_packets;
    return;
  }
  late_run_ = 0;
  Stored s;
  s.sequence_number = seq;
  s.marker = packet.marker;
  s.span = frames > 0 ? frames_to_ts(frames) : static_cast<std::int64_t>(config_.clock_rate) * config_.ptime_ms / 1000;
  s.arrival_us = arrival_us;
  s.payload.assign(packet.payload.begin(), packet.payload.end());
  store_.emplace(ts, std::move(s));
  ts_reference_ = ts;
  ++stats_.received_packets;
  estimator_.add(transit, arrival_us);
}

bool JitterBuffer::ready_to_start(std::int64_t now_us) const {
  return slack_us(now_us, store_.begin()->first) >= target_us();
}

void JitterBuffer::append_silence(int frames) {
  pcm_.insert(pcm_.end(), static_cast<std::size_t>(frames) * static_cast<std::size_t>(channels_), 0);
  stats_.silence_frames += static_cast<std::uint64_t>(frames);
}

void JitterBuffer::append_concealment(int frames) {
  scratch_.assign(static_cast<std::size_t>(frames) * static_cast<std::size_t>(channels_), 0);
  if (decoder_.conceal(frames, scratch_) <= 0) std::fill(scratch_.begin(), scratch_.end(), 0);
  pcm_.insert(pcm_.end(), scratch_.begin(), scratch_.end());
  stats_.concealed_frames += static_cast<std::uint64_t>(frames);
  ++stats_.concealed_ticks;
}

void JitterBuffer::decode(std::int64_t now_us, std::map<std::int64_t, Stored>::iterator it) {
  Stored& p = it->second;
  const std::uint16_t seq = p.sequence_number;
  // RFC 3550 §6.4.1: what the sequence numbers skipped was lost (or late).
  if (have_sequence_) {
    const int gap = audio_gap(last_sequence_, seq);
    sequence_gaps_ += static_cast<std::uint64_t>(gap);
    count_sequence_gap(gap);
  }
  have_sequence_ = true;
  last_sequence_ = seq;
  seen_[seq % seen_.size()] = seq;
  const int frames = static_cast<int>(ts_to_frames(p.span));
  scratch_.assign(static_cast<std::size_t>(std::max(frames, decoder_.frames_in(p.payload))) * static_cast<std::size_t>(channels_), 0);
  const std::int64_t from = fifo_frames();
  const int n = decoder_.decode(p.payload, scratch_);
  span_ = p.span;
  last_played_ts_ = it->first;
  next_ts_ = it->first + p.span;
  if (n < 0) {
    ++stats_.discarded_packets;
    store_.erase(it);
    append_concealment(frames);
    return;
  }
  marks_.push_back(Mark{from, p.arrival_us});
  pcm_.insert(pcm_.end(), scratch_.begin(), scratch_.begin() + static_cast<std::ptrdiff_t>(n) * channels_);
  ++stats_.played_packets;
  count_on_time(true);
  const std::int64_t slack = slack_us(now_us, it->first);
  store_.erase(it);
  adjust_delay(slack, from, worth_stretching(now_us));
}

void JitterBuffer::count_sequence_gap(int gap) {
  // An exponential average per packet sent: 1 for each skipped, 0 for this one.
  const double alpha = 1.0 / std::max(2, config_.history_packets);
  for (int i = 0; i < std::min(gap, 64); ++i) loss_share_ += alpha * (1 - loss_share_);
  loss_share_ -= alpha * loss_share_;
}

void JitterBuffer::await(std::int64_t ts) {
  awaiting_ = true;
  awaited_ts_ = ts;
  waited_ticks_ = 0;
}

bool JitterBuffer::worth_waiting(std::int64_t now_us) const {
  // Only for the packet just before this one, and no longer than a rewind reaches.
  if (!awaiting_ || next_ts_ <= awaited_ts_ || next_ts_ - awaited_ts_ > span_ ||
      (waited_ticks_ + 1) * config_.ptime_ms > config_.max_rewind_ms)
    return false;
  // Missing now, it is either lost or its transit exceeds `gone`; the
  // chance it comes within a tick is then
  //   (1 - loss) P(gone < spread <= gone + tick) / (loss + (1 - loss) P(spread > gone)).
  const std::int64_t gone = slack_us(now_us, awaited_ts_);
  const double beyond = estimator_.share_above(gone);
  const double within_tick = beyond - estimator_.share_above(gone + config_.ptime_ms * 1000LL);
  const double missing = loss_share_ + (1 - loss_share_) * beyond;
  return missing > 0 && (1 - loss_share_) * within_tick >= config_.min_wait_chance * missing;
}

bool JitterBuffer::worth_stretching(std::int64_t now_us) const {
  // Decoded now, the packet just played is needed a tick from now; the
  // next one is needed then unless this one is stretched by a tick.
  if (store_.count(next_ts_) != 0) return false;
  // With the tail at its ceiling, late packets are under the budget even
  // at the lowest quantile allowed: one saved would not lower the target.
  if (tail_share_ >= most_tail) return false;
  // Missing now, the next packet is lost or its transit exceeds `gone`;
  // the chance it comes after its turn but within the tick gained or the
  // rewind after it is
  //   (1 - loss) P(gone + tick < spread <= gone + 3 ticks) / (loss + (1 - loss) P(spread > gone)).
  const std::int64_t gone = slack_us(now_us, next_ts_);
  if (gone <= 0) return false;  // not due yet even at the least transit: its absence says nothing
  const std::int64_t tick_us = config_.ptime_ms * 1000LL;
  const double missing = loss_share_ + (1 - loss_share_) * estimator_.share_above(gone);
  const double after_turn = estimator_.share_above(gone + tick_us) - estimator_.share_above(gone + 3 * tick_us);
  return missing > 0 && (1 - loss_share_) * after_turn >= config_.min_stretch_chance * missing;
}

std::int64_t JitterBuffer::slack_us(std::int64_t now_us, std::int64_t ts) const {
  return now_us - ts_to_us(ts) - estimator_.base_us();
}

int JitterBuffer::lengthen(int start, std::int64_t frames) {
  // A period at a time (each at most limits_.max_period), up to `frames`,
  // where the audio is periodic (or quiet) enough.
  int added = 0;
  while (added < frames) {
    const int n = expand(pcm_, channels_, start, static_cast<int>(frames - added), limits_, false);
    if (n == 0) break;
    for (Mark& m : marks_)
      if (m.frame >= start + n) m.frame += n;
    added += n;
  }
  return added;
}

void JitterBuffer::adjust_delay(std::int64_t slack, std::int64_t leftover, bool next_missing) {
  // Frames are needed a tick at a time, so the delay has two parts: the
  // slack (how long after its earliest arrival a packet is needed), which
  // moves in whole ticks, and the leftover of the previous packets still in
  // pcm_ when it is decoded, which only adds delay. The slack should be the
  // least number of ticks covering the target, the leftover nothing.
  const std::int64_t error = slack - target_us();
  const std::int64_t tick_us = config_.ptime_ms * 1000LL;
  const int start = static_cast<int>(std::max<std::int64_t>(0, fifo_frames() - 2 * limits_.max_period));
  int changed = 0;
  if (next_missing && (changed = lengthen(start, tick_frames_ - leftover)) > 0) {
    // The next packet is late so far: this one is lengthened until the
    // next is needed a tick later, where the audio allows it (else the
    // concealment and rewind at its turn do the same).
    ++stats_.early_stretches;
  } else if (error < 0) {
    // Short: lengthen until the next packet is needed a tick later.
    changed = expand(pcm_, channels_, start, static_cast<int>(tick_frames_ - leftover + limits_.min_period), limits_,
                     error < -tick_us);
    for (Mark& m : marks_)
      if (m.frame >= start + changed) m.frame += changed;
  } else {
    // A tick to spare: shorten past the leftover. Else cut the leftover.
    const std::int64_t most = error >= tick_us + config_.stretch_tolerance_ms * 1000LL ? leftover + tick_frames_ : leftover;
    if (most < limits_.min_period) return;
    changed = -accelerate(pcm_, channels_, start, static_cast<int>(most), limits_, error >= 2 * tick_us);
    for (Mark& m : marks_) {
      if (m.frame >= start - changed) m.frame += changed;
      else if (m.frame > start) m.frame = start;
    }
  }
  if (changed == 0) return;
  stats_.stretched_frames += changed;
  (changed > 0 ? stats_.inserted_frames : stats_.removed_frames) += static_cast<std::uint64_t>(std::abs(changed));
  ++stats_.drift_corrections;
}

void JitterBuffer::play_next(std::int64_t now_us) {
  const int frames = static_cast<int>(std::max<std::int64_t>(1, ts_to_frames(span_)));
  // Packets left behind by an odd span are late.
  while (!store_.empty() && store_.begin()->first < next_ts_) {
    seen_[store_.begin()->second.sequence_number % seen_.size()] = store_.begin()->second.sequence_number;
    store_.erase(store_.begin());
    ++stats_.late_packets;
  }
  if (const auto it = store_.find(next_ts_); it != store_.end()) {
    if (worth_waiting(now_us)) {
      append_concealment(frames);
      ++waited_ticks_;
      ++stats_.waited_ticks;
      return;
    }
    awaiting_ = false;
    missing_ticks_ = 0;
    decode(now_us, it);
    return;
  }
  if (!store_.empty()) {
    missing_ticks_ = 0;
    const auto next = store_.begin();
    if (next->second.marker || (have_sequence_ && audio_gap(last_sequence_, next->second.sequence_number) == 0)) {
      // DTX: the sender paused (RFC 7587 §3.2, RFC 3389), as the next
      // sequence number or the marker of a talk spurt's first packet (RFC
      // 3551 §4.1) tells; silence, not loss (a sequence gap still counts).
      // The start of the next talk spurt is where the delay may move
      // without touching speech: the silence shrinks or grows by the error.
      const std::int64_t error_ts = (slack_us(now_us, next_ts_) - target_us()) * config_.clock_rate / 1000000;
      const std::int64_t gap = next->first - next_ts_;
      const std::int64_t step = std::clamp<std::int64_t>(span_ + error_ts, 0, gap);
      append_silence(frames);
      next_ts_ += step;
      return;
    }
    // Lost or late: recover it from the next packet's FEC when that follows
    // directly (RFC 7587 §3.3), or conceal it.
    if (next->first == next_ts_ + span_) {
      scratch_.assign(static_cast<std::size_t>(frames) * static_cast<std::size_t>(channels_), 0);
      const int n = decoder_.recover(next->second.payload, frames, scratch_);
      if (n > 0) {
        pcm_.insert(pcm_.end(), scratch_.begin(), scratch_.begin() + static_cast<std::ptrdiff_t>(n) * channels_);
        ++stats_.fec_recovered;
        last_played_ts_ = next_ts_;
        next_ts_ += span_;
        return;
      }
    }
    append_concealment(frames);
    await(next_ts_);
    next_ts_ += span_;
    return;
  }
  // Nothing stored: a loss, a delay spike or a pause. Conceal; while the
  // delay is short of target, wait for the packet (the concealment then
  // lengthens the delay), else move past it.
  if (++missing_ticks_ * config_.ptime_ms > config_.max_conceal_ms) {
    state_ = State::silent;
    return;
  }
  const bool wait = slack_us(now_us, next_ts_) < target_us();
  append_concealment(frames);
  if (wait) return;
  await(next_ts_);
  next_ts_ += span_;
}

void JitterBuffer::pull(TimePoint now, std::span<std::int16_t> out) {
  const std::int64_t now_us = micros(now);
  if (state_ != State::playing && !store_.empty() && ready_to_start(now_us)) {
    next_ts_ = store_.begin()->first;
    last_played_ts_ = next_ts_ - 1;
    missing_ticks_ = 0;
    state_ = State::playing;
  }
  if (state_ == State::playing) {
    stats_.current_delay = std::chrono::microseconds(delay_us(now_us));
    stats_.target_delay = std::chrono::microseconds(target_us());
  }
  while (state_ == State::playing && fifo_frames() < tick_frames_) play_next(now_us);
  if (fifo_frames() < tick_frames_) append_silence(static_cast<int>(tick_frames_ - fifo_frames()));

  const auto samples = static_cast<std::size_t>(tick_frames_) * static_cast<std::size_t>(channels_);
  std::copy_n(pcm_.begin(), std::min(samples, out.size()), out.begin());
  if (out.size() > samples) std::fill(out.begin() + static_cast<std::ptrdiff_t>(samples), out.end(), 0);
  pcm_.erase(pcm_.begin(), pcm_.begin() + static_cast<std::ptrdiff_t>(samples));
  while (!marks_.empty() && marks_.front().frame < tick_frames_) {
    const std::int64_t played_at = now_us + marks_.front().frame * 1000000 / sample_rate_;
    stats_.added_delay_total += std::chrono::microseconds(played_at - marks_.front().arrival_us);
    marks_.pop_front();
  }
  for (Mark& m : marks_) m.frame -= tick_frames_;
  stats_.lost_packets = sequence_gaps_ > stats_.late_packets ? sequence_gaps_ - stats_.late_packets : 0;
}

}  // namespace cosip::media
