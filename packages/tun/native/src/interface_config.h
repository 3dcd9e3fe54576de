// Interface configuration through ioctls (no `ip` binary): MTU, txqueuelen, IPv4 and IPv6 addresses, link up.
#pragma once

#include <napi.h>

namespace edgevpn_tun {

// JS: configureInterface(name, { mtu?, txQueueLen?, ipv4?, ipv4PrefixLength?, ipv6?, ipv6PrefixLength?, up? })
// Throws an errno error naming the ioctl that failed.
Napi::Value ConfigureInterface(const Napi::CallbackInfo& info);

}  // namespace edgevpn_tun
