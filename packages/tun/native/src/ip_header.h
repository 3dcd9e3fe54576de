// What the native data path needs to know of an IP packet: whether it is well formed, its
// addresses, and whether it is interactive (mirrors ip-packet.ts and traffic-class.ts of @edgevpn/vpn).
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgevpn_tun {

constexpr size_t kVnetHdrBytes = 10;

// 4 or 6 for a well-formed IPv4 / IPv6 packet, 0 otherwise.
int IpVersion(const uint8_t* packet, size_t length);

// The address bytes of a packet whose IpVersion is 4 (4 bytes) or 6 (16 bytes).
inline const uint8_t* SourceAddress(const uint8_t* packet, int version) { return packet + (version == 4 ? 12 : 8); }
inline const uint8_t* DestinationAddress(const uint8_t* packet, int version) { return packet + (version == 4 ? 16 : 24); }

// Whether an offload unit (virtio header + packet) is interactive: ICMP, small UDP, TCP SYN or a
// segment without payload. GSO super-packets and unknown packets are bulk.
bool IsInteractiveUnit(const uint8_t* unit, size_t length);

}  // namespace edgevpn_tun
