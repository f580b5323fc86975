import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { currentJourneys } from '../catalog/journey-catalog.js';
import { deployedTemplate } from '../catalog/template-store.js';
import { deliveries, policyVersions } from '../db/schema.js';
import { runProcess, type ProcessResult } from '../infra/run-process.js';
import { postJson, startTestApi, type TestApi } from './helpers/api.js';
import { cliEnv, cliPath } from './helpers/cli.js';
import { expectRenderedPng } from './helpers/rendered-png.js';
import { startSmtpPeer, type SmtpPeer } from './helpers/smtp-peer.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));

/** The README's "For marketers" section: what the marketer reads, and what this test runs. */
async function marketersSection(): Promise<string> {
  const readme = await readFile(readmePath, 'utf8');
  return /^## For marketers\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
}

/** The example files it shows: a code block right below a line naming the file (`path`:). */
function exampleFiles(section: string): { file: string; content: string }[] {
  return [...section.matchAll(/^`([\w./-]+)`:\n\n```\w*\n([\s\S]*?)```/gm)].map((m) => ({
    file: m[1] ?? '',
    content: m[2] ?? '',
  }));
}

/** Every `npx omnijourney …` command, inline or in a code block, in the order the section shows them. */
function commands(section: string): string[] {
  const found: string[] = [];
  for (const m of section.matchAll(/```[^\n]*\n([\s\S]*?)```|`(npx omnijourney [^`]+)`/g)) {
    if (m[2]) found.push(m[2]);
    else found.push(...(m[1] ?? '').split('\n').filter((line) => line.startsWith('npx omnijourney ')));
  }
  return found;
}

/**
 * Issue 19, acceptance 5: every command of the README's "For marketers", run as written (by a shell,
 * in a project folder holding the example files the section shows), in order, against a fresh
 * database, a stored customer, an SMTP peer and the dev Temporal server; each exits 0 and does
 * what the section says.
 */
describe('README "For marketers": every command, as written, in order', () => {
  let database: TestDatabase;
  let smtp: SmtpPeer;
  let api: TestApi;
  let folder: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    [database, smtp] = await Promise.all([createTestDatabase(), startSmtpPeer()]);
    folder = await mkdtemp(path.join(tmpdir(), 'omnijourney-readme-'));
    for (const { file, content } of exampleFiles(await marketersSection())) {
      await mkdir(path.dirname(path.join(folder, file)), { recursive: true });
      await writeFile(path.join(folder, file), content);
    }
    env = {
      DATABASE_URL: database.url,
      OMNIJOURNEY_DATA_DIR: path.join(folder, 'data'),
      TEMPORAL_ADDRESS: inject('devServerAddress'),
      SMTP_URL: smtp.url,
      EMAIL_FROM: 'Shop <shop@example.test>',
      PUBLIC_BASE_URL: 'https://shop.example.test',
      UNSUBSCRIBE_SECRET: 'a'.repeat(64),
    };
    api = await startTestApi(database.db);
    const identified = await postJson(api, '/v1/identify', {
      userId: 'ann-1',
      traits: { name: 'Ann', email: 'ann@example.com' },
    });
    expect(identified.status).toBe(200);
  });
  afterAll(async () => {
    await api?.close();
    await smtp?.close();
    await database?.drop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  const file = (name: string) => path.join(folder, name);
  const journeyIds = async () => (await currentJourneys(database.db)).map((j) => j.definition.id);
  /** What each command must have done, by what it says; every command must match at least one. */
  const effects: [RegExp, (result: ProcessResult) => Promise<void>][] = [
    [/templates validate shop\/templates$/, async (r) => expect(r.stdout).toMatch(/^ok +.*spring-sale/m)],
    [
      /templates preview spring-sale .*--out preview\/$/,
      async () => {
        const mail = await simpleParser(await readFile(file('preview/spring-sale.eml')));
        expect(mail.subject).toBe('Spring is here, Ann');
        expect(mail.html).toContain('Hello Ann, spring is here!');
        expect(mail.text).toContain('Fresh picks for spring');
        expect(await readFile(file('preview/spring-sale.html'), 'utf8')).toContain('Shop the sale');
        expectRenderedPng(await readFile(file('preview/spring-sale.png')));
      },
    ],
    [/templates preview .*--locale fr/, async (r) => expect(r.stdout).toContain('Le printemps est là, Ann')],
    [
      /templates test-send spring-sale/,
      async () => {
        const mail = smtp.messages.find((m) => JSON.stringify(m.to).includes('me@example.com'));
        expect(mail?.subject).toBe('[TEST] Spring is here, Ann');
        expect(await database.db.select().from(deliveries)).toEqual([]);
      },
    ],
    [
      /journeys validate shop\/spring-sale.yaml$/,
      async (r) => expect(r.stdout).toMatch(/^ok +.*spring-sale/m),
    ],
    [
      /journeys graph shop\/spring-sale.yaml/,
      async () => {
        for (const name of ['spring-sale.svg', 'spring-sale.png'])
          expect((await stat(file(name))).size, name).toBeGreaterThan(1000);
      },
    ],
    [
      /journeys graph welcome-series/,
      async () => expect((await stat(file('welcome-series.svg'))).size).toBeGreaterThan(1000),
    ],
    [
      /journeys deploy shop\/spring-sale.yaml$/,
      async () => {
        expect(await journeyIds()).toEqual(['spring-sale']);
        expect(await deployedTemplate(database.db, 'spring-sale')).toBeDefined();
      },
    ],
    [
      /templates list$/,
      async (r) => {
        const version = (await deployedTemplate(database.db, 'spring-sale'))?.version ?? 'none';
        expect(r.stdout).toMatch(new RegExp(`^spring-sale +${version} `, 'm'));
      },
    ],
    [
      /templates deploy shop\/templates$/,
      async (r) => expect(r.stdout).toMatch(/^spring-sale +\S+ +unchanged/m),
    ],
    [
      /stats spring-sale --since 7d$/,
      async (r) => {
        expect(r.stdout).toMatch(/^spring-sale since /);
        expect(r.stdout).toMatch(/^announce +send +0/m);
      },
    ],
    [
      /journeys pause spring-sale$/,
      async () => expect((await currentJourneys(database.db))[0]?.paused).toBe(true),
    ],
    [
      /journeys resume spring-sale$/,
      async () => expect((await currentJourneys(database.db))[0]?.paused).toBe(false),
    ],
    [/journeys undeploy spring-sale$/, async () => expect(await journeyIds()).toEqual([])],
    [
      /policy show > policy.yaml$/,
      async () => expect(await readFile(file('policy.yaml'), 'utf8')).toMatch(/^caps:/m),
    ],
    [/policy validate policy.yaml$/, async (r) => expect(r.stdout).toMatch(/ok/)],
    [
      /policy deploy policy.yaml$/,
      async () => expect(await database.db.select().from(policyVersions)).toHaveLength(1),
    ],
    [/deliveries list --status skipped$/, async (r) => expect(r.stdout).toBe('no deliveries\n')],
  ];

  it('each one exits 0 with the effect the section describes', async () => {
    const section = await marketersSection();
    expect(exampleFiles(section).map((f) => f.file)).toContain('shop/spring-sale.yaml');
    for (const command of commands(section)) {
      const checks = effects.filter(([pattern]) => pattern.test(command));
      expect(checks.length, `no effect checked for: ${command}`).toBeGreaterThan(0);
      // As a shell runs it, in the project folder; `npx omnijourney` is this checkout's CLI.
      const line = command.replace(/^npx omnijourney/, `"${process.execPath}" "${cliPath}"`);
      const result = await runProcess('bash', ['-c', line], {
        cwd: folder,
        env: cliEnv(env),
        timeoutMs: 120_000,
      });
      expect(result.code, `${command}: ${result.stdout}${result.stderr}`).toBe(0);
      for (const [, check] of checks) await check(result);
    }
  }, 300_000);
});
