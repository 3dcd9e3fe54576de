/** The sample network of the spec's Appendix A, and its reference time. */
import type { NetworkConfig } from '@edgevpn/mesh-core'

/** T = 1700000000 s (2023-11-14T22:13:20Z); with interval 360 the OTP counter is 4722222. */
export const APPENDIX_A_TIME_MS = 1_700_000_000_000

/** The A.1 sample config. */
export function appendixANetwork (): NetworkConfig {
  return {
    otp: {
      dht: { interval: 360n, key: 'a'.repeat(43), length: 43 },
      crypto: { interval: 360n, key: 'SGIB6NYJMSRJF2AJDGUI2NDB5LBVCPLSabcdefghijk', length: 43 }
    },
    room: 'roomroomroomroomroomroomroomroomroomroomroo',
    rendezvous: 'rvrvrvrvrvrvrvrvrvrvrvrvrvrvrvrvrvrvrvrvrvr',
    mdns: 'mdnsmdnsmdnsmdnsmdnsmdnsmdnsmdnsmdnsmdnsmdn',
    maxMessageSize: 20971520
  }
}

/** The A.1 sample token: standard base64 of the sample YAML. */
export const APPENDIX_A_TOKEN = 'b3RwOgogIGRodDoKICAgIGludGVydmFsOiAzNjAKICAgIGtleTogYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYQogICAgbGVuZ3RoOiA0MwogIGNyeXB0bzoKICAgIGludGVydmFsOiAzNjAKICAgIGtleTogU0dJQjZOWUpNU1JKRjJBSkRHVUkyTkRCNUxCVkNQTFNhYmNkZWZnaGlqawogICAgbGVuZ3RoOiA0Mwpyb29tOiByb29tcm9vbXJvb21yb29tcm9vbXJvb21yb29tcm9vbXJvb21yb29tcm9vCnJlbmRlenZvdXM6IHJ2cnZydnJ2cnZydnJ2cnZydnJ2cnZydnJ2cnZydnJ2cnZydnJ2cnZydnIKbWRuczogbWRuc21kbnNtZG5zbWRuc21kbnNtZG5zbWRuc21kbnNtZG5zbWRuc21kbgptYXhfbWVzc2FnZV9zaXplOiAyMDk3MTUyMAo='
