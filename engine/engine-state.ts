import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { identify } from '../infra/process-identity.js';

/**
 * Where a running `omnijourney start` can be reached, so that the other commands (`journeys`,
 * `events`, `customers`, `stats`…) work against the embedded default with no settings. Kept in
 * `${dataDir}/engine.json` (mode 600: it holds the embedded database's local password) while the
 * engine runs, and removed when it stops.
 */
const engineState = z.object({
  pid: z.number().int(),
  /** The process's start time (`infra/process-identity.ts`): a PID reused after a kill -9 is not the engine. */
  pidStarted: z.string().optional(),
  apiUrl: z.string().optional(),
  databaseUrl: z.string(),
  temporalAddress: z.string(),
  namespace: z.string(),
  taskQueue: z.string(),
  temporalUiUrl: z.string().optional(),
  startedAt: z.string(),
});
export type EngineState = z.infer<typeof engineState>;

const fileIn = (dataDir: string) => path.join(dataDir, 'engine.json');

export async function writeEngineState(dataDir: string, state: EngineState): Promise<() => Promise<void>> {
  const file = fileIn(dataDir);
  const pidStarted = state.pidStarted ?? (await identify(state.pid))?.started;
  await writeFile(file, JSON.stringify({ ...state, pidStarted }, null, 2), { mode: 0o600 });
  return () => rm(file, { force: true });
}

/** The running engine's state, or undefined when none runs (no file, or its process is gone). */
export async function readEngineState(dataDir: string): Promise<EngineState | undefined> {
  const file = fileIn(dataDir);
  if (!existsSync(file)) return undefined;
  const parsed = engineState.safeParse(JSON.parse(await readFile(file, 'utf8').catch(() => 'null')));
  if (!parsed.success) return undefined;
  const running = await identify(parsed.data.pid);
  if (!running) return undefined;
  const { pidStarted } = parsed.data;
  return pidStarted === undefined || pidStarted === running.started ? parsed.data : undefined;
}
