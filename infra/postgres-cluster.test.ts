import { describe, expect, it } from 'vitest';
import { durabilitySettings, isPostmasterOf, postmasterPidOf } from './postgres-cluster.js';

describe('embedded PostgreSQL settings', () => {
  it('is durable unless the cluster is throwaway', () => {
    expect(durabilitySettings(false)).toEqual(['fsync=on', 'synchronous_commit=on', 'full_page_writes=on']);
    expect(durabilitySettings(true)).toEqual(['fsync=off', 'synchronous_commit=off', 'full_page_writes=off']);
  });

  it('reads the PID of a postmaster.pid and recognises a server on the same folder', () => {
    expect(postmasterPidOf('4242\n/data/pg\n1700000000\n5432\n')).toBe(4242);
    expect(postmasterPidOf('')).toBeUndefined();
    expect(postmasterPidOf('x\n')).toBeUndefined();
    const command = '/opt/pg/bin/postgres -D /data/pg -p 5432 -c fsync=on';
    expect(isPostmasterOf(command, '/data/pg')).toBe(true);
    expect(isPostmasterOf(command, '/data/p')).toBe(false);
    expect(isPostmasterOf('sleep 60', '/data/pg')).toBe(false);
  });
});
