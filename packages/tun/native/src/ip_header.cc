#include "ip_header.h"

namespace edgevpn_tun {

namespace {

constexpr size_t kIPv4HeaderBytes = 20;
constexpr size_t kIPv6HeaderBytes = 40;
constexpr size_t kTcpHeaderBytes = 20;
constexpr size_t kMaxInteractiveUdpBytes = 576;
constexpr uint8_t kIcmp = 1, kTcp = 6, kUdp = 17, kIcmpV6 = 58;
constexpr uint8_t kTcpSyn = 0x02;
constexpr uint8_t kGsoNone = 0;

uint16_t ReadBe16(const uint8_t* bytes) { return static_cast<uint16_t>((bytes[0] << 8) | bytes[1]); }

}  // namespace

int IpVersion(const uint8_t* packet, size_t length) {
  if (length < 1) return 0;
  int version = packet[0] >> 4;
  if (version == 4) {
    if (length < kIPv4HeaderBytes) return 0;
    size_t headerBytes = size_t{packet[0] & 0x0fu} * 4;
    size_t totalLength = ReadBe16(packet + 2);
    if (headerBytes < kIPv4HeaderBytes || totalLength < headerBytes || totalLength > length) return 0;
    return 4;
  }
  if (version == 6) {
    if (length < kIPv6HeaderBytes || kIPv6HeaderBytes + ReadBe16(packet + 4) > length) return 0;
    return 6;
  }
  return 0;
}

bool IsInteractiveUnit(const uint8_t* unit, size_t length) {
  if (length <= kVnetHdrBytes || unit[1] != kGsoNone) return false;
  const uint8_t* packet = unit + kVnetHdrBytes;
  length -= kVnetHdrBytes;
  int version = packet[0] >> 4;
  size_t headerBytes;
  uint8_t protocol;
  if (version == 4) {
    headerBytes = size_t{packet[0] & 0x0fu} * 4;
    if (length < kIPv4HeaderBytes || headerBytes < kIPv4HeaderBytes) return false;
    protocol = packet[9];
  } else if (version == 6) {
    headerBytes = kIPv6HeaderBytes;
    if (length < headerBytes) return false;
    protocol = packet[6];
  } else {
    return false;
  }
  if (protocol == kIcmp || protocol == kIcmpV6) return true;
  if (protocol == kUdp) return length <= kMaxInteractiveUdpBytes;
  if (protocol != kTcp || length < headerBytes + kTcpHeaderBytes) return false;
  const uint8_t* tcp = packet + headerBytes;
  if ((tcp[13] & kTcpSyn) != 0) return true;
  return length <= headerBytes + size_t{static_cast<uint8_t>(tcp[12] >> 4)} * 4;
}

}  // namespace edgevpn_tun
