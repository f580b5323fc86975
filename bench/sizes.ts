/**
 * How much each phase does. The default run stays under 12 minutes on the 2-core machine the README
 * names; `--quick` under a minute (CI runs it so the bench keeps working).
 */
export interface Sizes {
  /** Journey-trigger events over HTTP per repetition (and as many raw signal-with-starts). */
  ingest: number;
  /** Events that start nothing, through /v1/batch, per repetition. */
  batchEvents: number;
  /** Journeys per adapter per repetition (and as many of each raw workflow). */
  journeys: number;
  /** Latency samples per repetition, engine and raw alike. */
  latency: number;
  /** The scale curve's points: runs waiting at once, ascending (grown from one to the next). */
  waiting: number[];
  /** At most this many waiting runs are woken per drain burst (and at most a tenth of them). */
  burst: number;
  /** Cap checks (and durable inserts) per repetition, at the fixed offered rate. */
  caps: number;
  /** Members of the segment a broadcast goes to (no-op adapter), and with the local SMTP server. */
  audience: number;
  smtpAudience: number;
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
        ingest: 20,
        batchEvents: 200,
        journeys: 8,
        latency: 6,
        waiting: [...new Set(waiting.map((n) => Math.min(n, 50)))],
        burst: Math.min(burst, 5),
        caps: 60,
        audience: 200,
        smtpAudience: 100,
        warmUp: 4,
        reps: 3,
      }
    : {
        ingest: 250,
        batchEvents: 2_000,
        journeys: 80,
        latency: 50,
        waiting,
        burst,
        caps: 1_000,
        audience: 100_000,
        smtpAudience: 10_000,
        warmUp: 32,
        reps: 3,
      };
}
