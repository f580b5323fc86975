/** Small timing helpers: rates, percentiles and bounded concurrency. */

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  n: number;
}

export function latencySummary(samplesMs: number[]): LatencySummary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    n: sorted.length,
  };
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight; returns items per second. */
export async function rate(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<number> {
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return count / ((performance.now() - started) / 1000);
}

/** Polls `done()` until true (bounded by `timeoutMs`); returns the seconds it took. */
export async function waitUntil(
  done: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<number> {
  const started = performance.now();
  while (!(await done())) {
    if (performance.now() - started > timeoutMs)
      throw new Error(`bench: ${what} did not finish in ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return (performance.now() - started) / 1000;
}

/** The median and the range of repeated measurements of one figure. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Every measurement, in the order taken. */
  values: number[];
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] ?? Number.NaN)
      : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
  return { median, min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN, values: [...values] };
}

/**
 * Runs `a` and `b` `reps` times each in A-B-B-A order (A B B A A B …), so a drift of the machine over
 * the phase hits the engine and its baseline alike; returns each side's results in the order taken.
 */
export async function interleaved<T>(
  reps: number,
  a: (rep: number) => Promise<T>,
  b: (rep: number) => Promise<T>,
): Promise<{ a: T[]; b: T[] }> {
  const out = { a: [] as T[], b: [] as T[] };
  for (let i = 0; i < 2 * reps; i++) {
    if (i % 4 === 0 || i % 4 === 3) out.a.push(await a(out.a.length));
    else out.b.push(await b(out.b.length));
  }
  return out;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
