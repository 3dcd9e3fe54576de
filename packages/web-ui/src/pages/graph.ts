import { getJson } from '../api.js'
import { h, svg } from '../dom.js'
import { shortId } from '../format.js'
import { liveRegion } from '../live.js'
import { REFRESH_MS } from '../page.js'
import { loadHostnames } from './hostnames.js'
import type { PeerEntry, Summary } from '../api.js'
import type { Page } from '../page.js'

const SIZE = 400
const CENTRE = SIZE / 2
const ORBIT = 150
const NODE_RADIUS = 18

interface GraphData {
  self: string
  peers: PeerEntry[]
  hostnames: Map<string, string>
}

export const graphPage: Page = {
  path: 'graph',
  title: 'Peer graph',
  render (main, signal) {
    const region = h('section')
    main.append(region)
    const load = async (s: AbortSignal): Promise<GraphData> => {
      const [summary, peers, hostnames] = await Promise.all([
        getJson<Summary>('/api/summary', s), getJson<PeerEntry[]>('/api/peers', s), loadHostnames(s)])
      return { self: summary.NodeID, peers, hostnames }
    }
    liveRegion(region, signal, REFRESH_MS, load, data => h('div', { class: 'graph' }, drawGraph(data), legend()))
  }
}

/** This node in the centre, its peers evenly around it, one edge per peer styled by its path. */
function drawGraph ({ self, peers, hostnames }: GraphData): SVGSVGElement {
  const name = (id: string): string => hostnames.get(id) ?? shortId(id)
  const connected = peers.filter(p => p.connected).length
  const positions = peers.map((_, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(peers.length, 1)
    return { x: CENTRE + ORBIT * Math.cos(angle), y: CENTRE + ORBIT * Math.sin(angle) }
  })
  const edges = peers.map((peer, i) => svg('line', {
    class: `edge edge-${peer.link}`, 'data-peer': peer.id, x1: CENTRE, y1: CENTRE, x2: positions[i].x, y2: positions[i].y
  }))
  const node = (id: string, x: number, y: number, kind: string, description: string): SVGGElement =>
    svg('g', { class: `node node-${kind}`, 'data-peer': id },
      svg('title', {}, description),
      svg('circle', { cx: x, cy: y, r: kind === 'self' ? NODE_RADIUS + 4 : NODE_RADIUS }),
      svg('text', { x, y: y + NODE_RADIUS + 16, 'text-anchor': 'middle' }, name(id)))
  return svg('svg', { viewBox: `0 0 ${SIZE} ${SIZE}`, role: 'img', 'aria-labelledby': 'graph-title graph-desc', class: 'peer-graph' },
    svg('title', { id: 'graph-title' }, 'Peer graph'),
    svg('desc', { id: 'graph-desc' },
      `This node, ${name(self)}, with ${peers.length} known peers, ${connected} connected: ` +
      peers.map(p => `${name(p.id)} ${p.link === 'none' ? 'not connected' : p.link}`).join(', ') + '.'),
    ...edges,
    node(self, CENTRE, CENTRE, 'self', `This node: ${self}`),
    ...peers.map((peer, i) => node(peer.id, positions[i].x, positions[i].y, peer.link, `${name(peer.id)} (${peer.id}): ${peer.link}`)))
}

function legend (): HTMLElement {
  const item = (link: string, label: string): HTMLElement =>
    h('li', {}, svg('svg', { viewBox: '0 0 40 10', width: 40, height: 10, 'aria-hidden': 'true' },
      svg('line', { class: `edge edge-${link}`, x1: 0, y1: 5, x2: 40, y2: 5 })), ' ', label)
  return h('ul', { class: 'legend', 'aria-label': 'Edge styles' },
    item('direct', 'direct connection (solid)'), item('relayed', 'through a relay (dashed)'), item('none', 'not connected (dotted)'))
}
