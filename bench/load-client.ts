/**
 * The bench's side of the load generator (bench/load-generator.ts): one long-lived child process,
 * forked at the start (its start-up is not measured), given orders over IPC, stopped with the stack.
 * Its CPU is reported as "load generator".
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nameProcess } from './cpu.js';
import type { BenchBase } from './environment.js';
import type { LoadOrder, LoadResult } from './load-generator.js';

const script = fileURLToPath(new URL('load-generator.ts', import.meta.url));

export type LoadGenerator = (order: Omit<LoadOrder, 'id'>) => Promise<LoadResult>;

export function startLoadGenerator({ stack }: BenchBase): LoadGenerator {
  // Forked with this process's flags (tsx's loader), so the TypeScript runs as it does here.
  const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  if (child.pid !== undefined) nameProcess(child.pid, 'load generator');
  const waiting = new Map<number, (result: LoadResult) => void>();
  child.on('message', (result: LoadResult) => waiting.get(result.id)?.(result));
  stack.defer('load generator', async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.disconnect();
    await exited;
  });
  let next = 0;
  return async (order) => {
    const id = next++;
    const result = await new Promise<LoadResult>((resolve) => {
      waiting.set(id, resolve);
      child.send({ ...order, id });
    });
    waiting.delete(id);
    if (result.error) throw new Error(`bench: the load generator failed: ${result.error}`);
    return result;
  };
}
