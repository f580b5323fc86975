import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runProcess, type ProcessResult } from '../../infra/run-process.js';

export const cliPath = fileURLToPath(new URL('../../bin/omnijourney.js', import.meta.url));

/** Variables of the developer's shell that would change what a CLI test exercises. */
const inherited = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) => !/^(TEMPORAL_|OMNIJOURNEY_|DATABASE_|EMBEDDED_POSTGRES_|LOG_)/.test(key),
  ),
);

export function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...inherited, LOG_FORMAT: 'json', ...extra };
}

/** Runs `omnijourney ARGS` to completion (bounded). */
export function runCli(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ProcessResult> {
  return runProcess(process.execPath, [cliPath, ...args], { env: cliEnv(env), timeoutMs });
}

/** Starts `omnijourney ARGS` and resolves once its stdout contains `readyText` (bounded). */
export async function startCli(
  args: string[],
  env: Record<string, string>,
  readyText: string,
  timeoutMs = 180_000,
): Promise<{ child: ChildProcess; stdout: () => string; stderr: () => string }> {
  const child = spawn(process.execPath, [cliPath, ...args], {
    env: cliEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not ready after ${timeoutMs} ms:\n${out}\n${err}`)),
      timeoutMs,
    );
    const check = () => {
      if (out.includes(readyText)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ready:\n${out}\n${err}`));
    });
  });
  return { child, stdout: () => out, stderr: () => err };
}

/** Every live descendant of a process, from /proc (Linux). */
export async function descendantPids(pid: number): Promise<number[]> {
  const result = await runProcess('ps', ['-e', '-o', 'pid=,ppid=']);
  const children = new Map<number, number[]>();
  for (const line of result.stdout.trim().split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    if (child === undefined || parent === undefined) continue;
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0 && found.length < 10_000) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still running after ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}
