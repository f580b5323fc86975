import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { projectRoot } from '../infra/project-root.js';
import { runProcess } from '../infra/run-process.js';
import { runCli } from './helpers/cli.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

/** Every command a user can run, as typed after `omnijourney`. */
const commands = [
  'start',
  'worker',
  'api',
  'migrate',
  'bundle',
  'setup',
  'journeys list',
  'journeys validate',
  'journeys graph',
  'journeys deploy',
  'journeys runs',
  'journeys cancel',
  'journeys backfill',
  'events send',
  'events generate',
  'events import',
  'customers show',
  'deliveries list',
  'stats',
  'policy validate',
  'policy deploy',
  'policy show',
].map((line) => line.split(' '));

const stackFrame = /\bat .+:\d+:\d+/;

/** The CLI's contract with people and scripts: --help, one-line mistakes, --json, exit codes. */
describe('CLI usage', () => {
  let database: TestDatabase;
  let folder: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    database = await createTestDatabase();
    folder = await mkdtemp(path.join(tmpdir(), 'omnijourney-usage-'));
    env = { OMNIJOURNEY_DATA_DIR: path.join(folder, 'data'), DATABASE_URL: database.url };
  });
  afterAll(async () => {
    await database?.drop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('every command: --help prints its usage (exit 0) from the compiled build', async () => {
    for (const args of commands) {
      const result = await runCli([...args, '--help'], {});
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout, args.join(' ')).toMatch(new RegExp(`^Usage: omnijourney ${args.join(' ')} `));
      expect(result.stderr, args.join(' ')).toBe(''); // no "running them through tsx" note
    }
  }, 120_000);

  it('every command: an unknown option is one line pointing at --help, exit 2, nothing on stdout', async () => {
    for (const args of commands) {
      const result = await runCli([...args, '--bogus'], {});
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toBe(
        "omnijourney: unknown option '--bogus' (add --help for usage)\n",
      );
      expect(result.stdout).toBe('');
    }
  }, 120_000);

  it('malformed values and identities are usage errors: one line, exit 2, no stack', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['journeys', 'runs', 'abandoned-cart', '--customer', 'email:x'],
        /--customer email:x: .*not a valid email/,
      ],
      [
        ['journeys', 'runs', 'abandoned-cart', '--customer', 'nobody'],
        /--customer nobody: identity: expected KIND:VALUE/,
      ],
      [['journeys', 'runs', 'abandoned-cart', '--limit', 'many'], /--limit many is not a whole number/],
      [
        ['journeys', 'runs', 'abandoned-cart', '--status', 'asleep'],
        /--status asleep is not one of running, /,
      ],
      [
        ['deliveries', 'list', '--customer', 'phone:abc'],
        /--customer phone:abc: identity: abc is not a valid phone/,
      ],
      [['deliveries', 'list', '--channel', 'fax'], /--channel fax is not one of email, sms, push, webhook/],
      [['customers', 'show', 'ann@example.com'], /customer ann@example\.com: identity: expected KIND:VALUE/],
      [['stats', 'abandoned-cart', '--since', 'soon'], /--since soon is not a duration/],
      [['events', 'generate', '--lines', '0'], /--lines 0 is not a whole number from 1/],
      [['start', '--demo', '--demo-speed', 'fast'], /--demo-speed fast is not a whole number/],
      [
        ['journeys', 'backfill', 'win-back', '--sample', 'many'],
        /--sample many: give a whole number from 0 to 1000/,
      ],
      [['journeys', 'runs'], /missing required argument 'journey'/],
      [['frobnicate'], /unknown command 'frobnicate'/],
    ];
    for (const [args, expected] of cases) {
      const result = await runCli(args, env);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0]).toMatch(/^omnijourney: .* \(add --help for usage\)$/);
      expect(lines[0]).toMatch(expected);
      expect(result.stderr).not.toMatch(stackFrame);
    }
  }, 120_000);

  it('--json parses on every data command, and the identity syntax is the same everywhere', async () => {
    const json = async (...args: string[]) => {
      const result = await runCli([...args, '--json'], env);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      return JSON.parse(result.stdout) as unknown;
    };
    expect(await json('journeys', 'deploy', '--builtin')).toContainEqual(
      expect.objectContaining({ journeyId: 'abandoned-cart', changed: true }),
    );
    expect(await json('journeys', 'list')).toContainEqual(expect.objectContaining({ id: 'abandoned-cart' }));
    expect(await json('journeys', 'validate')).toContainEqual(expect.objectContaining({ problems: [] }));
    expect(await json('journeys', 'graph', 'abandoned-cart')).toMatchObject({
      journeyId: 'abandoned-cart',
      mermaid: expect.stringMatching(/^flowchart TD/),
    });
    expect(await json('journeys', 'runs', 'abandoned-cart')).toEqual([]);
    expect(await json('deliveries', 'list')).toEqual([]);
    expect(await json('policy', 'show')).toMatchObject({
      deployed: false,
      policy: { caps: expect.any(Array) },
    });
    expect(await json('stats', 'abandoned-cart', '--no-waiting')).toMatchObject({ entered: 0 });
    expect(await json('migrate')).toEqual({ migrated: true, database: 'DATABASE_URL' });
    expect(await json('setup')).toMatchObject({
      temporal: expect.any(String),
      temporalTestServer: expect.any(String),
    });
    const bundle = path.join(folder, 'bundle.js');
    expect(await json('bundle', '--out', bundle)).toEqual({ file: bundle, bytes: expect.any(Number) });

    // The stack trace: a customer named by identity where the database expects an id.
    const customerId = '7d0d9f5e-8d3a-4b5e-9a53-0c1f5b6e2a11';
    for (const [args, customer] of [
      [['journeys', 'runs', 'abandoned-cart'], 'email:ann@example.com'],
      [['deliveries', 'list'], 'userId:ann'],
      [['customers', 'show'], customerId],
    ] as const) {
      const flagged = args[0] === 'customers' ? [...args, customer] : [...args, '--customer', customer];
      const result = await runCli([...flagged, '--json'], env);
      expect(result.code, flagged.join(' ')).toBe(1);
      expect(result.stderr).toBe(`omnijourney: no customer has the identity ${customer}\n`);
      expect(result.stdout).toBe('');
    }
    const cancel = await runCli(['journeys', 'cancel', 'journey/x/y/z', '--json'], env);
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toMatch(/^omnijourney: no journey run "journey\/x\/y\/z": /);
  }, 180_000);

  it('the compiled CLI still loads a journey file written in TypeScript', async () => {
    const project = path.join(folder, 'my-journeys');
    await mkdir(project, { recursive: true });
    await writeFile(path.join(project, 'package.json'), '{"type":"module"}');
    const file = path.join(project, 'mine.ts');
    await writeFile(
      file,
      "const id: string = 'my-journey';\nexport default { id, name: 'Mine', trigger: { event: 'Signed Up' }, steps: [{ id: 'w', type: 'wait', duration: '1h' }] };\n",
    );
    const result = await runCli(['journeys', 'validate', file, '--json'], env);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual([
      { source: file, id: 'my-journey', version: expect.any(String), problems: [] },
    ]);
  });

  it('a database that was never migrated is one line, not SQL and a stack', async () => {
    const blank = await createTestDatabase({ empty: true });
    try {
      const result = await runCli(['journeys', 'list'], { ...env, DATABASE_URL: blank.url });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        'omnijourney: the database has no Omnijourney tables: run `omnijourney migrate` against it first\n',
      );
    } finally {
      await blank.drop();
    }
  });
});

describe('the compiled CLI', () => {
  const build = fileURLToPath(new URL('../scripts/build.mjs', import.meta.url));
  let dist: string;
  beforeAll(async () => {
    // Inside the project, so the build resolves its packages from node_modules; dist/ is git-ignored.
    dist = path.join(projectRoot, 'dist', `.test-${process.pid}`);
    const built = await runProcess(process.execPath, [build], {
      env: { ...process.env, OMNIJOURNEY_DIST_DIR: dist },
      timeoutMs: 120_000,
    });
    expect(built.code, built.stderr).toBe(0);
    // Marks this build, to see which code a run executed.
    const main = path.join(dist, 'cli', 'main.js');
    await writeFile(main, `process.stderr.write('ran the build\\n');\n${await readFile(main, 'utf8')}`);
  }, 120_000);
  afterAll(async () => {
    if (dist) await rm(dist, { recursive: true, force: true });
  });

  it('runs the build while it matches the sources, and the sources through tsx once they changed', async () => {
    const fresh = await runCli(['--version'], { OMNIJOURNEY_DIST_DIR: dist });
    expect(fresh.code).toBe(0);
    expect(fresh.stderr).toBe('ran the build\n');

    const manifest = path.join(dist, 'build-manifest.json');
    const recorded = JSON.parse(await readFile(manifest, 'utf8')) as { fingerprint: string };
    // What an edited source file does to the fingerprint (the sources are not touched: other tests run).
    await writeFile(manifest, JSON.stringify({ ...recorded, fingerprint: 'from older sources' }));
    const stale = await runCli(['--version'], { OMNIJOURNEY_DIST_DIR: dist });
    expect(stale.code).toBe(0);
    expect(stale.stderr).toBe(
      'omnijourney: sources changed since the last build; running them through tsx (slower to start; `npm run build` compiles them)\n',
    );
    expect(stale.stdout).toBe(fresh.stdout);

    await rm(dist, { recursive: true, force: true });
    const missing = await runCli(['--version'], { OMNIJOURNEY_DIST_DIR: dist });
    expect(missing.stderr).toMatch(/^omnijourney: no compiled build; running them through tsx/);
  }, 120_000);
});

describe('npm run cli:startup', () => {
  it('times every command against a scratch database and checks each exits as expected', async () => {
    const script = fileURLToPath(new URL('../scripts/cli-startup.ts', import.meta.url));
    // A generous limit: this checks the script, not the machine (CI runners are shared and slow).
    const result = await runProcess(
      process.execPath,
      ['--import', 'tsx', script, '--runs', '1', '--max-ms', '20000'],
      {
        env: { ...process.env, DATABASE_URL: inject('postgresAdminUrl') },
        timeoutMs: 180_000,
      },
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    for (const command of ['--version', 'journeys runs', 'journeys cancel', 'customers show', 'stats'])
      expect(result.stdout).toMatch(new RegExp(`^${command.replace(/-/g, '\\-')} +\\d+ ms$`, 'm'));
  }, 200_000);
});
