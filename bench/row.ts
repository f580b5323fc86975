import type { Spread } from './measure.js';

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
  /** The same for the baseline. */
  baselineCpu?: string;
  /** When measured more than once: `value` is the median, these its range and each measurement. */
  range?: { min: number; max: number; values: number[] };
  baselineRange?: { min: number; max: number; values: number[] };
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
