import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { runProcess } from './run-process.js';

/**
 * Which process a PID names, precisely enough to tell it from an unrelated process that reused the
 * PID later: its start time (in clock ticks since boot on Linux) and its command line.
 */
export interface ProcessIdentity {
  pid: number;
  started: string;
  command: string;
}

/** The start time from a `/proc/PID/stat` line: field 22, counted after the `(comm)` that may hold spaces. */
export function startTimeFromStat(stat: string): string | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const started = fields[19];
  return started && /^\d+$/.test(started) ? started : undefined;
}

/** `/proc/PID/cmdline` (NUL-separated) as one line. */
export function commandFromCmdline(cmdline: string): string {
  return cmdline.replace(/\0+$/, '').split('\0').join(' ');
}

/** The same process: same PID, same start time, same command line. */
export function sameProcess(recorded: ProcessIdentity, current: ProcessIdentity | undefined): boolean {
  return (
    current !== undefined &&
    current.pid === recorded.pid &&
    current.started === recorded.started &&
    current.command === recorded.command
  );
}

/** The identity of a live process, or undefined when none has that PID (or it is a zombie). */
export async function identify(pid: number): Promise<ProcessIdentity | undefined> {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (process.platform === 'linux') {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return undefined;
      const started = startTimeFromStat(stat);
      const command = commandFromCmdline(await readFile(`/proc/${pid}/cmdline`, 'utf8'));
      return started ? { pid, started, command } : undefined;
    } catch {
      return undefined;
    }
  }
  const ps = await runProcess('ps', ['-o', 'lstart=', '-o', 'stat=', '-p', String(pid)]).catch(
    () => undefined,
  );
  const args = await runProcess('ps', ['-o', 'command=', '-p', String(pid)]).catch(() => undefined);
  const line = ps?.stdout.trim();
  if (ps?.code !== 0 || !line || / Z\S*$/.test(line) || args?.code !== 0) return undefined;
  return { pid, started: line.replace(/\s+\S+$/, ''), command: args.stdout.trim() };
}

/**
 * Ends a process only if it still is the one recorded: `signal` first, SIGKILL after `graceMs`
 * (checked again before each signal). Resolves true when it was ours and is gone.
 */
export async function endProcess(
  recorded: ProcessIdentity,
  signal: NodeJS.Signals,
  graceMs: number,
): Promise<boolean> {
  if (!sameProcess(recorded, await identify(recorded.pid))) return false;
  const send = async (sig: NodeJS.Signals) => {
    if (!sameProcess(recorded, await identify(recorded.pid))) return;
    try {
      process.kill(recorded.pid, sig);
    } catch {
      // gone already
    }
  };
  await send(signal);
  const deadline = Date.now() + graceMs;
  let killed = false;
  while (sameProcess(recorded, await identify(recorded.pid))) {
    if (!killed && Date.now() > deadline) {
      await send('SIGKILL');
      killed = true;
    }
    if (Date.now() > deadline + 10_000) return false;
    await sleep(100);
  }
  return true;
}
