// Entry point of the edgevpn_tun addon.
#include <napi.h>

#include "fast_path.h"
#include "interface_config.h"
#include "record_probe.h"
#include "socket_option.h"
#include "tun_queue.h"
#include "unit_queue_probe.h"

namespace edgevpn_tun {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("TunQueue", TunQueue::Define(env));
  exports.Set("FastPath", FastPath::Define(env));
  exports.Set("UnitQueueProbe", UnitQueueProbe::Define(env));
  exports.Set("RecordProbe", RecordProbe::Define(env));
  exports.Set("configureInterface", Napi::Function::New(env, ConfigureInterface, "configureInterface"));
  exports.Set("setSocketOption", Napi::Function::New(env, SetSocketOption, "setSocketOption"));
  return exports;
}

NODE_API_MODULE(edgevpn_tun, Init)

}  // namespace edgevpn_tun
