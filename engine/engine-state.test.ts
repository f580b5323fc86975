import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { identify } from '../infra/process-identity.js';
import { readEngineState, writeEngineState } from './engine-state.js';

describe('engine.json', () => {
  it('names a running engine; not a process that reused its PID after a kill -9', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'omnijourney-state-'));
    const state = {
      pid: process.pid,
      databaseUrl: 'postgres://x@127.0.0.1:5/db',
      temporalAddress: '127.0.0.1:7233',
      namespace: 'default',
      taskQueue: 'omnijourney',
      startedAt: new Date().toISOString(),
    };
    try {
      await writeEngineState(dataDir, state);
      expect((await readEngineState(dataDir))?.pid).toBe(process.pid);
      const stranger = spawn('sleep', ['60']);
      const started = (await identify(stranger.pid!))!.started;
      await writeEngineState(dataDir, { ...state, pid: stranger.pid!, pidStarted: `${started}0` });
      expect(await readEngineState(dataDir)).toBeUndefined();
      stranger.kill();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
