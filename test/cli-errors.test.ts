import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../infra/free-port.js';
import { runCli } from './helpers/cli.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

/** What a user sees when their setup is wrong: one line naming the variable and the fix, exit 1, no stack. */
describe('bad configuration', () => {
  let database: TestDatabase;
  let scratch: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    scratch = await mkdtemp(path.join(tmpdir(), 'omnijourney-errors-'));
  });
  afterAll(async () => {
    await database?.drop();
    await rm(scratch, { recursive: true, force: true });
  });

  async function expectOneLineError(args: string[], env: Record<string, string>, ...fragments: string[]) {
    const result = await runCli(args, { OMNIJOURNEY_DATA_DIR: scratch, ...env });
    expect(result.code, result.stderr).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^omnijourney: /);
    for (const fragment of fragments) expect(lines[0]).toContain(fragment);
    expect(result.stderr).not.toMatch(/\bat .+:\d+:\d+/);
    return lines[0]!;
  }

  it('malformed DATABASE_URL', async () => {
    const line = await expectOneLineError(
      ['start'],
      { DATABASE_URL: 'postgres//nohost' },
      'DATABASE_URL',
      'is not a PostgreSQL URL',
      'unset it',
    );
    expect(line).toContain('postgres://USER:PASSWORD@HOST:5432/DATABASE');
  });

  it('DATABASE_URL pointing at nothing', async () => {
    const port = await freePort();
    const line = await expectOneLineError(
      ['migrate'],
      { DATABASE_URL: `postgres://app:s3cret@127.0.0.1:${port}/omni` },
      'cannot connect to PostgreSQL at DATABASE_URL=',
      `127.0.0.1:${port}`,
    );
    expect(line).not.toContain('s3cret');
  });

  it('unreachable TEMPORAL_ADDRESS', async () => {
    const port = await freePort();
    await expectOneLineError(
      ['start'],
      { DATABASE_URL: database.url, TEMPORAL_ADDRESS: `127.0.0.1:${port}` },
      `cannot reach Temporal at TEMPORAL_ADDRESS=127.0.0.1:${port}`,
      'unset TEMPORAL_ADDRESS',
    );
  });

  it('malformed TEMPORAL_ADDRESS', async () => {
    await expectOneLineError(
      ['start'],
      { TEMPORAL_ADDRESS: 'http://x' },
      'TEMPORAL_ADDRESS',
      'is not host:port',
    );
  });

  it('missing Temporal executable', async () => {
    await expectOneLineError(
      ['start'],
      { DATABASE_URL: database.url, TEMPORAL_CLI_PATH: '/nonexistent/temporal' },
      'TEMPORAL_CLI_PATH="/nonexistent/temporal" is not an executable file',
    );
  });

  it('no Temporal anywhere and no Python to install it', async () => {
    const line = await expectOneLineError(
      ['setup'],
      { PATH: '/nonexistent', OMNIJOURNEY_TOOLS_DIR: path.join(scratch, 'tools') },
      'Python with pip is not available',
      'TEMPORAL_ADDRESS',
    );
    expect(line).toContain('install the Temporal CLI');
  });

  it('worker without a deployment to join', async () => {
    await expectOneLineError(['worker'], {}, 'TEMPORAL_ADDRESS is not set');
  });

  it('api without its secrets', async () => {
    await expectOneLineError(
      ['api'],
      { DATABASE_URL: database.url, TEMPORAL_ADDRESS: inject('devServerAddress') },
      'INGEST_WRITE_KEYS is not set',
    );
  });

  it('a weak UNSUBSCRIBE_SECRET', async () => {
    await expectOneLineError(
      ['api'],
      { UNSUBSCRIBE_SECRET: 'short' },
      'UNSUBSCRIBE_SECRET',
      'shorter than 32 characters',
    );
  });

  it('a usage mistake is a usage error (exit 2) of one line and a pointer to --help, not the whole help', async () => {
    for (const args of [['frobnicate'], ['journeys', 'runs', '--bogus']]) {
      const result = await runCli(args, {});
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(/^omnijourney: unknown .* \(add --help for usage\)$/),
      ]);
      expect(result.stdout).toBe('');
    }
  });

  it('--version prints the package version', async () => {
    const result = await runCli(['--version'], {});
    expect(result.code).toBe(0);
    const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(result.stdout.trim()).toBe(version);
  });

  it('--help works without any configuration', async () => {
    const result = await runCli(['--help'], { DATABASE_URL: 'garbage' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('start');
    expect(inject('temporalCli')).toBeTruthy();
  });
});
