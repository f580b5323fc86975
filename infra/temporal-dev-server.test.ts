import { describe, expect, it } from 'vitest';
import { exitReason, reasonOfExit, sqlitePragmas } from './temporal-dev-server.js';

describe('dev server', () => {
  it('keeps its SQLite store durable unless told it is scratch', () => {
    expect(sqlitePragmas(false)).toEqual(expect.arrayContaining(['journal_mode=WAL', 'synchronous=FULL']));
    expect(sqlitePragmas(true)).toContain('synchronous=OFF');
  });

  it("keeps a panic's first line, which the tail of its long stack loses", () => {
    const panic = 'panic: listen tcp 127.0.0.1:7234: bind: address already in use';
    const tail = Array.from({ length: 50 }, (_, i) => `\tgo.temporal.io/server/x.go:${i} +0x1f`).join('\n');
    expect(exitReason.test(panic)).toBe(true);
    expect(reasonOfExit(panic, tail)).toBe(panic);
    expect(reasonOfExit('', 'a\nb\nc\nd')).toBe('b | c | d');
  });
});
