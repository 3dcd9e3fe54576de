// JS errors for failed system calls, shaped like Node's own: `code` (errno name), `errno`, `syscall`.
#pragma once

#include <napi.h>

namespace edgevpn_tun {

Napi::Error ErrnoError(Napi::Env env, const char* syscall, int err);

// Throws ErrnoError as a pending JS exception; the caller must return right after.
void ThrowErrno(Napi::Env env, const char* syscall, int err);

}  // namespace edgevpn_tun
