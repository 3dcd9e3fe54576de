#include "unit_queue.h"

#include <cmath>

namespace edgevpn_tun {

namespace {

// The largest unit that alone never counts as a standing queue (RFC 8289's MTU rule).
constexpr size_t kMinStandingBytes = 1500;

}  // namespace

bool UnitQueue::Lane::Shift(std::vector<uint8_t>* unit) {
  if (units.empty()) return false;
  unit->swap(units.front());
  units.pop_front();
  shiftedTime = times.front();
  times.pop_front();
  bytes -= unit->size();
  return true;
}

bool UnitQueue::Enqueue(const uint8_t* data, size_t length, bool interactive, double nowMs) {
  Lane& lane = interactive ? interactive_ : bulk_;
  size_t limit = interactive ? limits_.maxInteractiveBytes : limits_.maxBulkBytes;
  if (lane.bytes + length > limit) return false;
  lane.units.emplace_back(data, data + length);
  lane.times.push_back(nowMs);
  lane.bytes += length;
  return true;
}

size_t UnitQueue::Clear() {
  size_t units = length();
  interactive_ = Lane{};
  bulk_ = Lane{};
  dropping_ = false;
  firstAboveTime_ = 0;
  return units;
}

bool UnitQueue::Dequeue(double nowMs, std::vector<uint8_t>* unit, uint64_t* delayDrops) {
  if (interactive_.Shift(unit)) return true;
  if (!bulk_.Shift(unit)) {
    dropping_ = false;
    firstAboveTime_ = 0;
    return false;
  }
  bool okToDrop = OkToDrop(nowMs);
  if (dropping_) {
    if (!okToDrop) {
      dropping_ = false;
    } else {
      while (dropping_ && nowMs >= dropNext_) {
        ++*delayDrops;
        ++count_;
        if (!bulk_.Shift(unit)) {
          dropping_ = false;
          firstAboveTime_ = 0;
          return false;
        }
        if (!OkToDrop(nowMs)) {
          dropping_ = false;
        } else {
          dropNext_ = ControlLaw(dropNext_);
        }
      }
    }
  } else if (okToDrop) {
    ++*delayDrops;
    bool more = bulk_.Shift(unit);
    dropping_ = true;
    // resume near the last drop rate when the previous dropping state ended only recently
    uint64_t recent = count_ - lastCount_;
    count_ = recent > 1 && nowMs - dropNext_ < 16 * limits_.intervalMs ? recent : 1;
    lastCount_ = count_;
    dropNext_ = ControlLaw(nowMs);
    if (!more) {
      firstAboveTime_ = 0;
      return false;
    }
  }
  return true;
}

bool UnitQueue::OkToDrop(double nowMs) {
  double sojourn = nowMs - bulk_.shiftedTime;
  if (sojourn < limits_.targetMs || bulk_.bytes < kMinStandingBytes) {
    firstAboveTime_ = 0;
    return false;
  }
  if (firstAboveTime_ == 0) {
    firstAboveTime_ = nowMs + limits_.intervalMs;
    return false;
  }
  return nowMs >= firstAboveTime_;
}

double UnitQueue::ControlLaw(double fromMs) const {
  return fromMs + limits_.intervalMs / std::sqrt(static_cast<double>(count_));
}

}  // namespace edgevpn_tun
