// Integer socket options Node.js does not expose for TCP sockets (e.g. SO_SNDBUF, TCP_NOTSENT_LOWAT).
#pragma once

#include <napi.h>

namespace edgevpn_tun {

// JS: setSocketOption(fd, level, name, value) -> the value the kernel reports back (getsockopt).
// Throws a TypeError on non-integer arguments, an errno error naming setsockopt/getsockopt otherwise.
Napi::Value SetSocketOption(const Napi::CallbackInfo& info);

}  // namespace edgevpn_tun
