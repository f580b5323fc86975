import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { endProcess, identify, sameProcess, type ProcessIdentity } from './process-identity.js';
import type { ResourceStack } from './resource-stack.js';
import { UserError } from './user-error.js';

/**
 * The servers a data folder's owner started (embedded PostgreSQL, the Temporal dev server), recorded
 * in `${dataDir}/processes.json` (mode 600) with each one's start time and command line. A process
 * killed with SIGKILL cannot stop its children, and Node has no parent-death signal; so the next
 * process that claims the folder ends the ones its dead predecessor left, and only those: a PID
 * reused by an unrelated process has another start time or command line and is left alone.
 */

const identity = z.object({ pid: z.number().int(), started: z.string(), command: z.string() });
const ledger = z.object({
  owner: identity,
  children: z.array(
    identity.extend({ name: z.string(), signal: z.string(), graceMs: z.number().int().nonnegative() }),
  ),
});
type Ledger = z.infer<typeof ledger>;

export interface OwnedProcesses {
  /** Records a child right after it was spawned, so a later claim can end it. */
  record(name: string, pid: number, stop: { signal: NodeJS.Signals; graceMs: number }): Promise<void>;
  forget(pid: number): Promise<void>;
}

/**
 * Creates the data folder when missing, private to its owner: 0700, or 0711 as root, where the
 * embedded PostgreSQL runs as `postgres` and must pass through it to reach its own 0700 cluster.
 * An existing folder keeps the mode its owner gave it.
 */
export async function ensureDataDir(dataDir: string): Promise<void> {
  const mode = userInfo().uid === 0 ? 0o711 : 0o700;
  const created = await mkdir(dataDir, { recursive: true, mode });
  if (created !== undefined) await chmod(dataDir, mode);
}

const fileIn = (dataDir: string) => path.join(dataDir, 'processes.json');
const claims = new Map<string, Promise<OwnedProcesses>>();

/**
 * Claims the data folder for this process (once per process: later calls share the claim), after
 * ending what a dead earlier owner left running. Another live owner is an error. The claim is
 * released by the stack, after everything deferred later (the servers) has stopped.
 */
export function claimDataDir(
  dataDir: string,
  stack: ResourceStack,
  onEnded: (name: string, pid: number) => void = () => undefined,
): Promise<OwnedProcesses> {
  const key = path.resolve(dataDir);
  let claim = claims.get(key);
  if (!claim) {
    const taking = takeOver(key, onEnded);
    claim = taking;
    claims.set(key, taking);
    taking.catch(() => claims.delete(key));
    stack.defer('data folder claim', async () => {
      if (
        !(await taking.then(
          () => true,
          () => false,
        ))
      )
        return; // never claimed: not ours to remove
      claims.delete(key);
      await rm(fileIn(key), { force: true });
    });
  }
  return claim;
}

async function takeOver(
  dataDir: string,
  onEnded: (name: string, pid: number) => void,
): Promise<OwnedProcesses> {
  await ensureDataDir(dataDir);
  const file = fileIn(dataDir);
  const self = await identify(process.pid);
  if (!self) throw new Error(`cannot read this process's own identity (PID ${process.pid})`);
  const before = await readLedger(file);
  if (
    before &&
    before.owner.pid !== process.pid &&
    sameProcess(before.owner, await identify(before.owner.pid))
  ) {
    throw new UserError(
      `another omnijourney process (PID ${before.owner.pid}) uses the data folder ${dataDir}`,
      'stop it first, or set OMNIJOURNEY_DATA_DIR to another folder',
    );
  }
  for (const child of before?.children ?? []) {
    if (await endProcess(child, child.signal as NodeJS.Signals, child.graceMs))
      onEnded(child.name, child.pid);
  }
  const current: Ledger = { owner: self, children: [] };
  const save = async () => {
    const staging = `${file}.${process.pid}`;
    await writeFile(staging, JSON.stringify(current, null, 2), { mode: 0o600 });
    await rename(staging, file);
  };
  await save();
  return {
    async record(name, pid, stop) {
      const child = await identify(pid);
      if (!child) return; // already gone
      current.children.push({ ...child, name, signal: stop.signal, graceMs: stop.graceMs });
      await save();
    },
    async forget(pid) {
      current.children = current.children.filter((child) => child.pid !== pid);
      await save();
    },
  };
}

async function readLedger(file: string): Promise<Ledger | undefined> {
  if (!existsSync(file)) return undefined;
  try {
    const parsed = ledger.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // unreadable or half-written: nothing to end
  }
}

/** Identity of a process recorded in the ledger, for tests and diagnostics. */
export async function recordedProcesses(dataDir: string): Promise<ProcessIdentity[]> {
  return (await readLedger(fileIn(dataDir)))?.children ?? [];
}
