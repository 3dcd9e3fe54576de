#include "interface_config.h"

#include "errno_error.h"
#include "js_args.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
// After the glibc headers, so linux/libc-compat.h skips the duplicate in6_addr definitions.
#include <linux/ipv6.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace edgevpn_tun {

namespace {

// Closes the ioctl socket on every return path.
class ControlSocket {
 public:
  explicit ControlSocket(int family) : fd_(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {}
  ~ControlSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  ControlSocket(const ControlSocket&) = delete;
  ControlSocket& operator=(const ControlSocket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

struct Settings {
  std::string name;
  int64_t mtu = -1;  // -1: unchanged
  int64_t txQueueLen = -1;
  bool hasIpv4 = false;
  in_addr ipv4{};
  int64_t ipv4PrefixLength = 32;
  bool hasIpv6 = false;
  in6_addr ipv6{};
  int64_t ipv6PrefixLength = 128;
  bool up = false;
};

// Where the configuration failed: the call and its errno.
struct Failure {
  const char* syscall = nullptr;
  int err = 0;
};

ifreq NamedRequest(const std::string& name) {
  ifreq request{};
  std::strncpy(request.ifr_name, name.c_str(), IFNAMSIZ - 1);
  return request;
}

bool Ioctl(int fd, unsigned long op, void* arg, const char* syscall, Failure* failure) {
  if (::ioctl(fd, op, arg) == 0) return true;
  failure->syscall = syscall;
  failure->err = errno;
  return false;
}

void SetInet(sockaddr* target, in_addr address) {
  sockaddr_in inet{};
  inet.sin_family = AF_INET;
  inet.sin_addr = address;
  std::memcpy(target, &inet, sizeof(inet));
}

bool ApplyLinkAndIpv4(const Settings& settings, Failure* failure) {
  ControlSocket control(AF_INET);
  if (control.fd() < 0) {
    *failure = {"socket(AF_INET)", errno};
    return false;
  }
  if (settings.mtu >= 0) {
    ifreq request = NamedRequest(settings.name);
    request.ifr_mtu = static_cast<int>(settings.mtu);
    if (!Ioctl(control.fd(), SIOCSIFMTU, &request, "ioctl(SIOCSIFMTU)", failure)) return false;
  }
  if (settings.txQueueLen >= 0) {
    ifreq request = NamedRequest(settings.name);
    request.ifr_qlen = static_cast<int>(settings.txQueueLen);
    if (!Ioctl(control.fd(), SIOCSIFTXQLEN, &request, "ioctl(SIOCSIFTXQLEN)", failure)) return false;
  }
  if (settings.hasIpv4) {
    ifreq request = NamedRequest(settings.name);
    SetInet(&request.ifr_addr, settings.ipv4);
    if (!Ioctl(control.fd(), SIOCSIFADDR, &request, "ioctl(SIOCSIFADDR)", failure)) return false;
    // SIOCSIFADDR installs a classful netmask, so the real one has to follow it.
    in_addr mask{};
    mask.s_addr = settings.ipv4PrefixLength == 0 ? 0 : htonl(~uint32_t{0} << (32 - settings.ipv4PrefixLength));
    request = NamedRequest(settings.name);
    SetInet(&request.ifr_netmask, mask);
    if (!Ioctl(control.fd(), SIOCSIFNETMASK, &request, "ioctl(SIOCSIFNETMASK)", failure)) return false;
  }
  if (settings.up) {
    ifreq request = NamedRequest(settings.name);
    if (!Ioctl(control.fd(), SIOCGIFFLAGS, &request, "ioctl(SIOCGIFFLAGS)", failure)) return false;
    request.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (!Ioctl(control.fd(), SIOCSIFFLAGS, &request, "ioctl(SIOCSIFFLAGS)", failure)) return false;
  }
  return true;
}

bool ApplyIpv6(const Settings& settings, Failure* failure) {
  unsigned index = ::if_nametoindex(settings.name.c_str());
  if (index == 0) {
    *failure = {"if_nametoindex", errno};
    return false;
  }
  ControlSocket control(AF_INET6);
  if (control.fd() < 0) {
    *failure = {"socket(AF_INET6)", errno};
    return false;
  }
  in6_ifreq request{};
  request.ifr6_addr = settings.ipv6;
  request.ifr6_prefixlen = static_cast<__u32>(settings.ipv6PrefixLength);
  request.ifr6_ifindex = static_cast<int>(index);
  return Ioctl(control.fd(), SIOCSIFADDR, &request, "ioctl(SIOCSIFADDR, AF_INET6)", failure);
}

// Reads an optional address string; returns false with a pending TypeError when it does not parse.
bool ReadAddress(Napi::Object options, const char* key, int family, void* out, bool* present) {
  Napi::Value value = options.Get(key);
  if (value.IsUndefined()) return true;
  if (!value.IsString() || ::inet_pton(family, value.As<Napi::String>().Utf8Value().c_str(), out) != 1) {
    Napi::TypeError::New(options.Env(), std::string(key) + " is not a valid address").ThrowAsJavaScriptException();
    return false;
  }
  *present = true;
  return true;
}

}  // namespace

Napi::Value ConfigureInterface(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsObject()) {
    Napi::TypeError::New(env, "configureInterface(name: string, options: object)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Settings settings;
  settings.name = info[0].As<Napi::String>().Utf8Value();
  if (settings.name.empty() || settings.name.size() >= IFNAMSIZ) {
    Napi::RangeError::New(env, "interface name must be 1 to 15 bytes").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object options = info[1].As<Napi::Object>();
  if (!ReadIntegerOption(options, "mtu", 68, 65535, &settings.mtu) ||
      !ReadIntegerOption(options, "txQueueLen", 0, 1 << 30, &settings.txQueueLen) ||
      !ReadIntegerOption(options, "ipv4PrefixLength", 0, 32, &settings.ipv4PrefixLength) ||
      !ReadIntegerOption(options, "ipv6PrefixLength", 0, 128, &settings.ipv6PrefixLength) ||
      !ReadAddress(options, "ipv4", AF_INET, &settings.ipv4, &settings.hasIpv4) ||
      !ReadAddress(options, "ipv6", AF_INET6, &settings.ipv6, &settings.hasIpv6)) {
    return env.Undefined();
  }
  settings.up = options.Get("up").ToBoolean().Value();

  Failure failure;
  // IPv6 goes last: the kernel only keeps IPv6 state on a device whose MTU is at least 1280.
  if (!ApplyLinkAndIpv4(settings, &failure) || (settings.hasIpv6 && !ApplyIpv6(settings, &failure))) {
    ThrowErrno(env, failure.syscall, failure.err);
  }
  return env.Undefined();
}

}  // namespace edgevpn_tun
