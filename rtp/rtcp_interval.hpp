// The RTCP transmission interval and its timer (RFC 3550 §6.2, §6.3 and the
// algorithm of Appendix A.7): the bandwidth share of senders and receivers,
// the average compound packet size, the halved first interval, the minimum,
// randomisation with the e-3/2 compensation, timer reconsideration (§6.3.6),
// reverse reconsideration when members leave (§6.3.4) and BYE
// reconsideration (§6.3.7). A pure core: time is an input, the member table
// is the caller's (it reports the counts), randomness is injected.
//
// Flow (T recomputed at each expiry; tp = last transmission):
//   running --timer, tp + T <= now--> awaiting_size --on_report_sent--> running
//   running --timer, tp + T > now--> running (timer moved to tp + T)
//   running --leave, > 50 members--> leaving --timer, tp + T <= now--> closed (BYE)
//   running --leave, <= 50 members--> closed (BYE at once)
//   running --leave, nothing ever sent--> closed (no BYE)
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "rtp/random_source.hpp"
#include "rtp/session_time.hpp"

namespace cosip::rtp {

struct RtcpConfig {
  double session_bandwidth = 64000;   // bits per second (e.g. SDP b=AS × 1000)
  double rtcp_fraction = 0.05;        // §6.2: RTCP gets 5 % of the session bandwidth
  double sender_fraction = 0.25;      // §6.2: a quarter of it for the senders
  double minimum_interval = 5.0;      // seconds (§6.2 RTCP_MIN_TIME)
  // §6.2: the minimum may shrink to 360 / (session bandwidth in kb/s)
  // seconds (below 5 s from 72 kb/s up); in a multicast session only
  // while we send.
  bool reduced_minimum = false;
  bool multicast = false;
  std::size_t initial_packet_size = 100;  // octets incl. UDP/IP: the first packet's size (§6.3.2)
};

// The inputs of the A.7 rtcp_interval() function.
struct IntervalInputs {
  std::uint32_t members = 1;
  std::uint32_t senders = 0;
  bool we_sent = false;
  bool initial = true;
  double avg_rtcp_size = 100;  // octets
};

// The deterministic interval Td (§6.3.1 steps 1-4), in seconds.
double deterministic_interval(const RtcpConfig& config, const IntervalInputs& in);
// The randomised interval T (§6.3.1 step 5 and the compensation): Td times a
// factor uniform in [0.5, 1.5), divided by e - 3/2. `unit` is in [0, 1).
double randomized_interval(const RtcpConfig& config, const IntervalInputs& in, double unit);

enum class RtcpAction : std::uint8_t {
  none,         // nothing to send; the timer may have moved (next_timeout())
  send_report,  // send a compound report now, then call on_report_sent()
  send_bye,     // send the BYE now; the scheduler is closed
};

class RtcpScheduler {
 public:
  enum class State : std::uint8_t { running, awaiting_size, leaving, closed };

  RtcpScheduler(const RtcpConfig& config, TimePoint now, RandomSource random);

  State state() const { return state_; }
  const IntervalInputs& inputs() const { return in_; }
  std::uint32_t previous_members() const { return pmembers_; }
  // When the timer should next fire (tn); none while a report is being
  // built and once closed.
  std::optional<TimePoint> next_timeout() const;

  // The timer fired (§6.3.6 timer reconsideration).
  RtcpAction on_timeout(TimePoint now);
  // The report asked for by send_report went out; `size` counts UDP/IP.
  void on_report_sent(std::size_t size, TimePoint now);
  // An RTCP compound packet arrived (§6.3.3 avg_rtcp_size). While leaving,
  // only BYE packets count, each as one more member (§6.3.7).
  void on_rtcp_received(std::size_t size, bool bye);
  // The member table changed (new member, BYE, timeout). A drop in members
  // pulls the next report forward (§6.3.4 reverse reconsideration).
  // Ignored while leaving.
  void set_members(std::uint32_t members, std::uint32_t senders, TimePoint now);
  // Whether we sent RTP within the last two intervals (§6.3.8).
  void set_we_sent(bool we_sent);
  // We leave the session (§6.3.7) with a BYE of `bye_size` octets: returns
  // send_bye (at once), none when the BYE is scheduled (see next_timeout()),
  // or none with state closed when nothing was ever sent (no BYE is due).
  RtcpAction leave(std::size_t bye_size, TimePoint now);

  // §6.3.5: members silent for this long time out: M = 5 times the Td of a
  // receiver (we_sent false) with the fixed minimum, never the reduced one.
  std::chrono::nanoseconds member_timeout() const;

 private:
  std::chrono::nanoseconds draw_interval() const;

  RtcpConfig config_;
  RandomSource random_;
  State state_ = State::running;
  IntervalInputs in_;
  std::uint32_t pmembers_ = 1;
  bool sent_anything_ = false;
  TimePoint tp_;  // last transmission
  TimePoint tn_;  // next scheduled transmission
};

}  // namespace cosip::rtp
