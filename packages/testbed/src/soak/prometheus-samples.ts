/** Every sample of metric `name` in a Prometheus text body, with its labels. */
export function metricSamples (body: string, name: string): Array<[Record<string, string>, number]> {
  const samples: Array<[Record<string, string>, number]> = []
  for (const line of body.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue
    const rest = line.slice(name.length)
    if (!rest.startsWith(' ') && !rest.startsWith('{')) continue
    const value = Number(line.slice(line.lastIndexOf(' ') + 1))
    if (Number.isNaN(value)) continue
    const labels: Record<string, string> = {}
    if (rest.startsWith('{')) for (const [, key, text] of rest.slice(0, rest.indexOf('}') + 1).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key] = text
    samples.push([labels, value])
  }
  return samples
}

/**
 * The sum of every sample of metric `name` in a Prometheus text body (all label sets), or
 * `undefined` when the body has none.
 */
export function sumMetric (body: string, name: string): number | undefined {
  const samples = metricSamples(body, name)
  return samples.length === 0 ? undefined : samples.reduce((sum, [, value]) => sum + value, 0)
}
