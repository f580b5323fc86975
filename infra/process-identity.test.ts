import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  commandFromCmdline,
  endProcess,
  identify,
  sameProcess,
  startTimeFromStat,
} from './process-identity.js';

describe('process identity', () => {
  it('reads the start time after a command name holding spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[0] = 'S';
    expect(startTimeFromStat(`42 (my (odd) name) ${fields.join(' ')}`)).toBe('22');
    expect(startTimeFromStat('42 (x) S 1')).toBeUndefined();
  });

  it('joins a NUL-separated command line', () => {
    expect(commandFromCmdline('postgres\0-D\0/data\0')).toBe('postgres -D /data');
  });

  it('is the same process only with the same PID, start time and command line', () => {
    const recorded = { pid: 7, started: '100', command: 'postgres -D /d' };
    expect(sameProcess(recorded, { ...recorded })).toBe(true);
    expect(sameProcess(recorded, undefined)).toBe(false);
    expect(sameProcess(recorded, { ...recorded, started: '101' })).toBe(false); // the PID was reused
    expect(sameProcess(recorded, { ...recorded, command: 'sleep 60' })).toBe(false);
  });

  it('never signals a process that reused a recorded PID; ends the recorded one', async () => {
    const child = spawn('sleep', ['60']);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const current = await identify(child.pid!);
    expect(current?.command).toBe('sleep 60');
    expect(await endProcess({ ...current!, started: `${current!.started}1` }, 'SIGTERM', 1000)).toBe(false);
    expect(await endProcess({ ...current!, command: 'postgres -D /x' }, 'SIGTERM', 1000)).toBe(false);
    expect(child.exitCode === null && child.signalCode === null).toBe(true);
    expect(await endProcess(current!, 'SIGTERM', 1000)).toBe(true);
    await exited;
    expect(child.signalCode).toBe('SIGTERM');
  });
});
