#!/usr/bin/env node
// `edgevpn` as npm links it at install time, before `npm run build` has made dist/: load the built CLI.
import { existsSync } from 'node:fs'
const cli = new URL('../dist/cli/edgevpn.js', import.meta.url)
if (existsSync(cli)) await import(cli.href)
else process.exitCode = (process.stderr.write('edgevpn: not built yet: run `npm run build` in the checkout\n'), 1)
