import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { endProcess, identify } from './process-identity.js';

/**
 * The settings that decide whether an acknowledged commit survives an OS crash. Durable unless the
 * cluster is throwaway (tests, bench): fsync off can lose acknowledged writes and, with
 * full_page_writes off, corrupt the cluster on a power loss.
 */
export function durabilitySettings(throwaway: boolean): string[] {
  const value = throwaway ? 'off' : 'on';
  return [`fsync=${value}`, `synchronous_commit=${value}`, `full_page_writes=${value}`];
}

/** The PID on the first line of a `postmaster.pid`. */
export function postmasterPidOf(lockFile: string): number | undefined {
  const pid = Number(lockFile.split('\n')[0]?.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** True when a command line is a PostgreSQL server on `dataDir` (`postgres -D dataDir …`). */
export function isPostmasterOf(command: string, dataDir: string): boolean {
  return /(^|\/)postgres /.test(command) && command.includes(` -D ${dataDir} `);
}

/**
 * Before starting the server: a `postmaster.pid` left by a server that did not shut down (killed,
 * a power loss) makes PostgreSQL refuse to start when its PID now names a live process, which
 * happens as soon as the PID was reused. Such a file is removed. When the PID is still a
 * PostgreSQL server on this very folder and `endOrphan` is set (the caller holds the data folder's
 * claim, so no live owner uses it), it is one a dead owner left running without a record: it is
 * shut down (fast shutdown). Without `endOrphan` a live server's file is left for PostgreSQL to refuse.
 */
export async function clearStalePostmasterPid(
  dataDir: string,
  endOrphan: boolean,
): Promise<'none' | 'removed' | 'ended' | 'in use'> {
  const lockFile = path.join(dataDir, 'postmaster.pid');
  const pid = postmasterPidOf(await readFile(lockFile, 'utf8').catch(() => ''));
  if (pid === undefined) return 'none';
  const running = await identify(pid);
  if (running && isPostmasterOf(running.command, dataDir)) {
    if (!endOrphan) return 'in use';
    await endProcess(running, 'SIGINT', 15_000);
    await rm(lockFile, { force: true }); // the server removes it itself, unless SIGKILL was needed
    return 'ended';
  }
  await rm(lockFile, { force: true });
  return 'removed';
}
