// npm's install hook: keep the prebuilt addon when one loads on this machine, compile one only where
// none fits (another CPU, musl libc). A source checkout has no dist/ yet and builds with
// `npm run build` instead. A failed compile warns and exits 0: everything but TUN devices still works.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CompileError, compileAddon } from './compile-addon.js'

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)))
const entry = join(packageDir, 'dist', 'native-binding.js')
if (!existsSync(entry)) process.exit(0)

const { loadBinding, loadedAddonPath, platformTag } = await import(entry)
try {
  loadBinding()
  console.log(`@edgevpn/tun: using ${loadedAddonPath()}`)
  process.exit(0)
} catch {
  console.log(`@edgevpn/tun: no prebuilt addon for ${platformTag()}; compiling one`)
}
try {
  // npm passes its own --nodedir (npm_config_nodedir) where the user set one; else node-gyp
  // downloads the headers of the running Node
  compileAddon({ directory: join(packageDir, 'native'), nodeDir: process.env.npm_config_nodedir || undefined })
  console.log(`@edgevpn/tun: compiled ${join(packageDir, 'native', 'build', 'Release', 'edgevpn_tun.node')}`)
} catch (error) {
  if (!(error instanceof CompileError)) throw error
  console.error(error.message)
  console.error(`@edgevpn/tun: warning: no TUN addon for ${platformTag()}: install a C++ compiler, make and python3 ` +
    '(Alpine: apk add build-base python3 linux-headers), then run "npm rebuild @edgevpn/tun"; until then the VPN cannot open its device')
}
