/** Straight-line trends of a series of samples, for leak detection. */

export interface Point {
  /** Seconds. */
  readonly t: number
  readonly value: number
}

export interface Trend {
  /** Least-squares slope, per hour. */
  readonly perHour: number
  /** Standard error of that slope, per hour (0 with fewer than 3 points). */
  readonly stderrPerHour: number
  readonly points: number
}

const SECONDS_PER_HOUR = 3600

/**
 * The least-squares line through `points`, its slope scaled to one hour.
 *
 * @throws RangeError with fewer than two points or when all share one time
 */
export function fitTrend (points: readonly Point[]): Trend {
  const n = points.length
  if (n < 2) throw new RangeError(`a trend needs at least 2 points, got ${n}`)
  const meanT = points.reduce((sum, p) => sum + p.t, 0) / n
  const meanV = points.reduce((sum, p) => sum + p.value, 0) / n
  let sxx = 0
  let sxy = 0
  for (const p of points) {
    sxx += (p.t - meanT) ** 2
    sxy += (p.t - meanT) * (p.value - meanV)
  }
  if (sxx === 0) throw new RangeError('a trend needs points at two different times at least')
  const slope = sxy / sxx
  const residuals = points.reduce((sum, p) => sum + (p.value - meanV - slope * (p.t - meanT)) ** 2, 0)
  const stderr = n > 2 ? Math.sqrt(residuals / (n - 2) / sxx) : 0
  return { perHour: slope * SECONDS_PER_HOUR, stderrPerHour: stderr * SECONDS_PER_HOUR, points: n }
}

/**
 * The lowest point of each `windowSeconds` window (by time from the first point): for a
 * garbage-collected heap, the floor after collections, whose rise is what a leak shows as.
 */
export function windowMinima (points: readonly Point[], windowSeconds: number): Point[] {
  if (points.length === 0) return []
  const start = points[0].t
  const windows = new Map<number, Point>()
  for (const p of points) {
    const window = Math.floor((p.t - start) / windowSeconds)
    const lowest = windows.get(window)
    if (lowest === undefined || p.value < lowest.value) windows.set(window, p)
  }
  return [...windows.values()]
}
