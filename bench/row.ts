import type { LatencySummary, Spread } from './measure.js';

/** One line of the table and of the JSON results (field order is the JSON's). */
export interface Row {
  figure: string;
  value: number;
  unit: string;
  /** What the figure is read against, measured in the same run on the same server; '' if none. */
  baseline: string;
  baselineValue: number | null;
  ratio: number | null;
  target: string;
  /** Null when the figure has no target (or, like RSS, only at another size). */
  met: boolean | null;
  /** CPU ms per item by process over the measured phase (bench/cpu.ts); absent where not measured. */
  cpu?: string;
  /** When measured more than once: `value` is the median, these its range and each measurement. */
  range?: { min: number; max: number; values: number[] };
  baselineRange?: { min: number; max: number; values: number[] };
}

/** Raw Temporal's figures on the same server, measured before the engine's. */
export interface Baselines {
  /**
   * Signal-with-starts of an empty workflow per second, counted when the run completed its first
   * workflow task (the last one's close time ends the clock), not when the server accepted the call.
   */
  swsRate: number;
  /** The same calls per second as the server accepted them (the client's view; ≥ swsRate). */
  swsAcceptedRate: number;
  /** How many of the measured starts completed their first workflow task (all of them, or it fails). */
  swsFinished: number;
  /** 3-activity workflows completed per second. */
  rawRate: number;
  /** CPU ms per item by process: signal-with-starts (until each finished), 3-activity workflows. */
  cpu: { sws: string; raw: string };
  /** The raw 3-activity workflow with local activities, and with a PostgreSQL ledger row each. */
  variants: { local: RawVariant; ledger: RawVariant };
  /** Start-to-first-activity, ms. */
  rawLatency: LatencySummary;
}

/** A raw baseline variant: workflows per second and CPU ms per workflow by process. */
export interface RawVariant {
  rate: number;
  cpu: string;
}

export const round = (v: number) => Math.round(v * 10) / 10;
export const ratio = (value: number, baseline: number) => Math.round((value / baseline) * 100) / 100;

const rangeOf = (s: Spread) => ({ min: round2(s.min), max: round2(s.max), values: s.values.map(round2) });
const round2 = (v: number) => Math.round(v * 100) / 100;

/**
 * A figure measured repeatedly beside its baseline (A-B-B-A): medians, their ranges and the ratio of
 * the medians; `target` is met when `met(ratio, median)` says so.
 */
export function spreadRow(
  figure: string,
  unit: string,
  value: Spread,
  baseline: { name: string; value: Spread } | undefined,
  target: { text: string; met: (r: number | null, median: number) => boolean } | undefined,
): Row {
  const r = baseline ? ratio(value.median, baseline.value.median) : null;
  return {
    figure,
    value: round2(value.median),
    unit,
    baseline: baseline?.name ?? '',
    baselineValue: baseline ? round2(baseline.value.median) : null,
    ratio: r,
    target: target?.text ?? '',
    met: target ? target.met(r, value.median) : null,
    ...(value.values.length > 1 ? { range: rangeOf(value) } : {}),
    ...(baseline && baseline.value.values.length > 1 ? { baselineRange: rangeOf(baseline.value) } : {}),
  };
}
