/**
 * The sum of every sample of metric `name` in a Prometheus text body (all label sets), or
 * `undefined` when the body has none.
 */
export function sumMetric (body: string, name: string): number | undefined {
  let sum: number | undefined
  for (const line of body.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue
    const rest = line.slice(name.length)
    if (!rest.startsWith(' ') && !rest.startsWith('{')) continue
    const value = Number(line.slice(line.lastIndexOf(' ') + 1))
    if (!Number.isNaN(value)) sum = (sum ?? 0) + value
  }
  return sum
}
