// The queue of offload units waiting for one peer's socket: an interactive lane that always goes
// first and a bulk queue managed by CoDel (RFC 8289), as send-queue.ts of @edgevpn/vpn (its JS twin for
// the JS data path, whose tests describe the behaviour; send-queue-native.spec.ts of @edgevpn/vpn drives both with
// random scripts through UnitQueueProbe and checks that they decide alike).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace edgevpn_tun {

struct UnitQueueLimits {
  double targetMs = 5;
  double intervalMs = 100;
  size_t maxBulkBytes = 512 * 1024;
  size_t maxInteractiveBytes = 64 * 1024;
};

class UnitQueue {
 public:
  explicit UnitQueue(const UnitQueueLimits& limits) : limits_(limits) {}

  size_t length() const { return interactive_.units.size() + bulk_.units.size(); }

  // Copies a unit in; false when its lane is full (the unit is dropped).
  bool Enqueue(const uint8_t* data, size_t length, bool interactive, double nowMs);

  // Moves the next unit to send into `unit`; false when none is left. Units CoDel drops on the way
  // are added to `*delayDrops`.
  bool Dequeue(double nowMs, std::vector<uint8_t>* unit, uint64_t* delayDrops);

  // Forgets every unit; returns how many there were.
  size_t Clear();

 private:
  struct Lane {
    std::deque<std::vector<uint8_t>> units;
    std::deque<double> times;
    size_t bytes = 0;
    // When the unit Shift() returned last was queued.
    double shiftedTime = 0;
    bool Shift(std::vector<uint8_t>* unit);
  };

  bool OkToDrop(double nowMs);
  double ControlLaw(double fromMs) const;

  UnitQueueLimits limits_;
  Lane interactive_;
  Lane bulk_;
  double firstAboveTime_ = 0;
  bool dropping_ = false;
  double dropNext_ = 0;
  uint64_t count_ = 0;
  uint64_t lastCount_ = 0;
};

}  // namespace edgevpn_tun
