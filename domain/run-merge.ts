/**
 * After two customers merge, one run per (journey, customer, entry key) goes on: the one that
 * started first (then the smaller run id, so every reader picks the same one). The others end
 * with outcome `merged` and hand their events to it.
 */

/** A running run as the merge rule reads it. */
export interface RunningRun {
  runId: string;
  journeyId: string;
  entryKey: string;
  startedAt: Date;
}

/** One (journey, entry key) that has more than one running run. */
export interface RunMerge<T extends RunningRun> {
  keeper: T;
  losers: T[];
}

type Started = Pick<RunningRun, 'runId' | 'startedAt'>;

/** Orders runs by who goes on: first started, then run id. */
export function firstStarted(a: Started, b: Started): number {
  const byTime = a.startedAt.getTime() - b.startedAt.getTime();
  if (byTime !== 0) return byTime;
  return a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0;
}

/** The groups of one customer's running runs that hold more than one run, each with its keeper. */
export function planRunMerges<T extends RunningRun>(running: readonly T[]): RunMerge<T>[] {
  const groups = new Map<string, T[]>();
  for (const run of running) {
    const key = JSON.stringify([run.journeyId, run.entryKey]);
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  return [...groups.values()]
    .filter((group) => group.length > 1)
    .map((group) => {
      const [keeper, ...losers] = [...group].sort(firstStarted);
      return { keeper: keeper as T, losers };
    });
}

/**
 * The run that goes on instead of `self` when another run of the same journey, customer and entry
 * key is running and started before it; undefined when `self` is the one that goes on.
 */
export function runGoingOnInstead(self: Started, others: readonly Started[]): string | undefined {
  const earlier = others.filter((other) => other.runId !== self.runId && firstStarted(other, self) < 0);
  return earlier.sort(firstStarted)[0]?.runId;
}

/** A ledger row as the merge rule reads it. */
interface StepRow {
  runId: string | null;
  stepId: string | null;
  status: string;
}

/**
 * This step's row from a run that was merged into this one (same journey and entry key): it
 * counts as the step's own, so a merge never sends one step twice. Only rows that went out or
 * may have (`counted`) count.
 */
export function mergedStepRow<T extends StepRow>(
  rows: readonly T[],
  step: { stepId: string; mergedRunIds: ReadonlySet<string>; counted: readonly string[] },
): T | undefined {
  return rows.find(
    (row) =>
      row.stepId === step.stepId &&
      row.runId !== null &&
      step.mergedRunIds.has(row.runId) &&
      step.counted.includes(row.status),
  );
}
