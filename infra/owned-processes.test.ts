import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { claimDataDir, ensureDataDir } from './owned-processes.js';
import { identify } from './process-identity.js';
import { ResourceStack } from './resource-stack.js';

describe('the data folder claim', () => {
  const folders: string[] = [];
  const sleeper = async () => {
    const child = spawn('sleep', ['60']);
    return { child, identity: (await identify(child.pid!))! };
  };
  afterAll(async () => Promise.all(folders.map((f) => rm(f, { recursive: true, force: true }))));
  const folder = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'omnijourney-claim-'));
    folders.push(dir);
    return dir;
  };

  it('ends the children a dead owner recorded, and leaves a process that reused a recorded PID', async () => {
    const dataDir = await folder();
    const [orphan, stranger] = [await sleeper(), await sleeper()];
    const dead = { pid: 2 ** 22 + 7, started: '1', command: 'node omnijourney start' };
    await writeFile(
      path.join(dataDir, 'processes.json'),
      JSON.stringify({
        owner: dead,
        children: [
          { ...orphan.identity, name: 'orphan', signal: 'SIGTERM', graceMs: 1000 },
          // The stranger has the recorded PID and command, but another start time: a reused PID.
          { ...stranger.identity, started: '12', name: 'reused', signal: 'SIGTERM', graceMs: 1000 },
        ],
      }),
    );
    const ended: string[] = [];
    const stack = new ResourceStack();
    await claimDataDir(dataDir, stack, (name) => ended.push(name));
    expect(ended).toEqual(['orphan']);
    expect(await identify(orphan.identity.pid)).toBeUndefined();
    expect(await identify(stranger.identity.pid)).toEqual(stranger.identity);
    expect(((await stat(path.join(dataDir, 'processes.json'))).mode & 0o777).toString(8)).toBe('600');
    stranger.child.kill();
    await stack.close();
  });

  it('refuses a folder whose owner still runs', async () => {
    const dataDir = await folder();
    const owner = await sleeper();
    await writeFile(
      path.join(dataDir, 'processes.json'),
      JSON.stringify({ owner: owner.identity, children: [] }),
    );
    const stack = new ResourceStack();
    await expect(claimDataDir(dataDir, stack)).rejects.toThrow(
      /another omnijourney process .* uses the data folder/,
    );
    expect(await identify(owner.identity.pid)).toEqual(owner.identity);
    await stack.close();
    expect(await stat(path.join(dataDir, 'processes.json'))).toBeTruthy(); // the live owner's record stays
    owner.child.kill();
  });

  it('creates a missing data folder private (0711 as root, for the `postgres` user to pass through)', async () => {
    const dataDir = path.join(await folder(), 'new', 'data');
    await ensureDataDir(dataDir);
    expect(((await stat(dataDir)).mode & 0o777).toString(8)).toBe(userInfo().uid === 0 ? '711' : '700');
  });
});
