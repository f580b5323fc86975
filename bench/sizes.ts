/** How much each phase does: `--quick` keeps the whole bench under a minute (CI runs it). */
export interface Sizes {
  /** Raw signal-with-starts. */
  sws: number;
  /** Raw 3-activity workflows. */
  raw: number;
  /** Latency samples, raw and engine alike. */
  latency: number;
  /** Events ingested over HTTP. */
  ingest: number;
  /** Journeys per adapter. */
  journeys: number;
  /** The scale curve's points: runs waiting at once, ascending (grown from one to the next). */
  waiting: number[];
  /** How many of the waiting journeys one wake-up burst wakes. */
  burst: number;
  /** Cap checks (and durable inserts) per caller count. */
  caps: number;
  /** Unmeasured runs before each phase. */
  warmUp: number;
  /** How many times each side of an A-B-B-A comparison is measured. */
  reps: number;
}

/** Callers in flight: keep-alive HTTP clients, and lanes for runs awaited to their end. */
export const concurrency = { clients: 32, lanes: 64 };

export function sizesFor(quick: boolean, waiting: number[], burst: number): Sizes {
  return quick
    ? {
        sws: 200,
        raw: 64,
        latency: 20,
        ingest: 200,
        journeys: 48,
        waiting: [...new Set(waiting.map((n) => Math.min(n, 200)))],
        burst: Math.min(burst, 20),
        caps: 200,
        warmUp: 16,
        reps: 3,
      }
    : {
        sws: 1_000,
        raw: 300,
        latency: 200,
        ingest: 1_500,
        journeys: 300,
        waiting,
        burst,
        caps: 2_000,
        warmUp: 64,
        reps: 3,
      };
}
