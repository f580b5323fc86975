import { appendFile } from 'node:fs/promises';

/**
 * Every chaos test runs in two sizes: small in the regular suite (and CI), full under
 * `npm run test:chaos` (CHAOS=full). The figures each test measured are printed and, when
 * CHAOS_REPORT names a file, appended to it as JSON lines for the summary at the end.
 */
export const chaosFull = process.env.CHAOS === 'full';

export function sized<T>(regular: T, full: T): T {
  return chaosFull ? full : regular;
}

export type Figures = Record<string, number | string>;

export async function reportFigures(test: string, figures: Figures): Promise<void> {
  const line = Object.entries(figures)
    .map(([key, value]) => `${key} ${value}`)
    .join(' · ');
  process.stdout.write(`[chaos] ${test}: ${line}\n`);
  if (process.env.CHAOS_REPORT)
    await appendFile(process.env.CHAOS_REPORT, JSON.stringify({ test, figures }) + '\n');
}

/** Fisher–Yates with a seeded generator, so a failing order can be replayed from its seed. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
