import { loadBinding } from './native-binding.js'
import { explainNativeError } from './tun-error.js'
import { NativeTunDevice } from './tun-device.js'
import { resolveTunInit } from './tun-init.js'
import type { TunDevice } from './tun-device.js'
import type { TunInit } from './tun-init.js'

/**
 * Creates (or attaches to) the TUN device `init.name`, configures it with ioctls (MTU, txqueuelen,
 * addresses) and brings the link up. Reading starts with {@link TunDevice.onPackets}.
 *
 * Needs CAP_NET_ADMIN and read/write access to `/dev/net/tun`.
 *
 * @throws TunError `EINVALIDNAME`, `EINVALIDADDRESS`, `EINVALIDOPTION` for bad options (nothing is created);
 * `ENOTUN`, `EACCES`, `EPERM`, `EBUSY`, `ESYSCALL` when the kernel refuses; `ENOADDON` when the addon is missing
 */
export function openTun (init: TunInit = {}): TunDevice {
  const options = resolveTunInit(init)
  const binding = loadBinding()
  const device = new NativeTunDevice(binding, options)
  try {
    binding.configureInterface(device.name, {
      mtu: options.mtu,
      txQueueLen: options.txQueueLen,
      ipv4: options.ipv4?.address,
      ipv4PrefixLength: options.ipv4?.prefixLength,
      ipv6: options.ipv6?.address,
      ipv6PrefixLength: options.ipv6?.prefixLength,
      up: true
    })
  } catch (error) {
    device.close()
    throw explainNativeError(error, device.name)
  }
  return device
}
