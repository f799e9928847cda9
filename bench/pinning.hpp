// Thread pinning for the benchmarks that run a sender and a receiver on
// separate cores.
#pragma once

#include <sched.h>

namespace cosip::bench {

// Pins the calling thread to `core`; false when the machine refuses.
inline bool pin_to_core(int core) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core, &set);
  return ::sched_setaffinity(0, sizeof set, &set) == 0;  // 0: the calling thread
}

}  // namespace cosip::bench
