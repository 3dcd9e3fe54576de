#!/usr/bin/env node
// `edgevpn-soak` as npm links it at install time, before `npm run build` has made dist/.
import { existsSync } from 'node:fs'
const cli = new URL('../dist/soak/main.js', import.meta.url)
if (existsSync(cli)) await import(cli.href)
else process.exitCode = (process.stderr.write('edgevpn-soak: not built yet: run `npm run build` in the checkout\n'), 1)
