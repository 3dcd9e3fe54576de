import { endianness } from 'node:os'

/** Node's `process.platform` names that differ from Go's GOOS. */
const GOOS: Partial<Record<NodeJS.Platform, string>> = { win32: 'windows', sunos: 'solaris' }

/** Node's `process.arch` names that differ from Go's GOARCH. */
const GOARCH: Partial<Record<string, string>> = { x64: 'amd64', ia32: '386', mipsel: 'mipsle', x32: '386' }

/** This machine's operating system and architecture as Go names them (GOOS/GOARCH: `linux`, `amd64`). */
export function goPlatform (platform: NodeJS.Platform = process.platform, arch: string = process.arch): { os: string, arch: string } {
  // Node says ppc64 for both byte orders; Go tells them apart
  const goArch = arch === 'ppc64' && endianness() === 'LE' ? 'ppc64le' : GOARCH[arch] ?? arch
  return { os: GOOS[platform] ?? platform, arch: goArch }
}
