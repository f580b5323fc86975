import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateForSend } from '../catalog/template-store.js';
import { runCli } from './helpers/cli.js';
import { activityServerClock, emailPipeline } from './helpers/email-pipeline.js';
import { expectRenderedPng } from './helpers/rendered-png.js';
import { createJourneyHarness, timeSkipping, type JourneyHarness } from './helpers/journey-harness.js';
import type { SmtpPeer } from './helpers/smtp-peer.js';
import { startEmailJourneyServers, type EmailJourneyServers } from './helpers/email-journey-servers.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

const mjml = (text: string) =>
  `<mjml>\n  <mj-body>\n    <mj-section>\n      <mj-column>\n        <mj-text>${text}</mj-text>\n        <mj-text><a href="{{ unsubscribe_url }}">Unsubscribe</a></mj-text>\n      </mj-column>\n    </mj-section>\n  </mj-body>\n</mjml>\n`;

const journeyYaml = `id: spring-sale
name: Spring sale
trigger: { event: Spring Opened }
steps:
  - id: announce
    type: send
    template: spring-sale
    channels: [email]
    category: transactional
    intentKey: spring-sale
`;

/**
 * Issue 19, acceptance 1. Templates as files, end to end: a template folder and a journey file (no
 * TypeScript) are previewed (from the folder, for a stored customer) and test-sent before deploy, then
 * validated and deployed with the CLI while a worker runs; the worker sends them (in the
 * customer's locale), and a new template version deployed later is what the next send uses.
 */
describe('templates as files', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let smtp: SmtpPeer;
  let servers: EmailJourneyServers | undefined;
  let harness: JourneyHarness;
  let folder: string;
  let cliEnv: Record<string, string>;

  beforeAll(async () => {
    servers = await startEmailJourneyServers();
    ({ env, database, smtp } = servers);
    const pipeline = emailPipeline(database.db, smtp.url, { now: activityServerClock });
    harness = await createJourneyHarness(timeSkipping(env), database, { deliverer: pipeline });
    folder = await mkdtemp(path.join(tmpdir(), 'omnijourney-templates-'));
    cliEnv = {
      OMNIJOURNEY_DATA_DIR: path.join(folder, 'data'),
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: harness.taskQueue,
      SMTP_URL: smtp.url,
      EMAIL_FROM: 'Shop <shop@example.test>',
    };
  }, 120_000);
  afterAll(async () => {
    await harness?.close();
    await servers?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => runCli(args, cliEnv, 120_000);
  const ok = async (...args: string[]) => {
    const result = await cli(...args);
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result.stdout;
  };
  const mailTo = async (address: string) => {
    for (let i = 0; i < 300; i++) {
      const mail = smtp.messages.find((m) => m.to && JSON.stringify(m.to).includes(address));
      if (mail) return mail;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no mail to ${address}`);
  };

  it('a template and journey added as files are deployed and sent by the running worker, no restart', async () => {
    const dir = path.join(folder, 'shop');
    const template = path.join(dir, 'templates', 'spring-sale');
    await mkdir(template, { recursive: true });
    await writeFile(
      path.join(template, 'template.yaml'),
      'subject: Spring is here, {{ profile.traits.name }}\n',
    );
    await writeFile(
      path.join(template, 'subject.fr.liquid'),
      'Le printemps est là, {{ profile.traits.name }}\n',
    );
    await writeFile(path.join(template, 'email.mjml'), mjml('Fresh picks for spring.'));
    await writeFile(path.join(template, 'email.fr.mjml'), mjml('Des nouveautés pour le printemps.'));
    const journeyFile = path.join(dir, 'spring-sale.yaml');
    await writeFile(journeyFile, journeyYaml);

    expect(await ok('templates', 'validate', path.join(dir, 'templates'))).toMatch(/^ok +.*spring-sale/m);
    expect(await ok('journeys', 'validate', journeyFile)).toMatch(/^ok +.*spring-sale/m);

    // Before any deploy: previewed from its folder for a real customer, then test-sent to the SMTP peer.
    await harness.identify('ana', { email: 'ana@example.test', name: 'Ana' });
    const fromFolder = ['--dir', path.join(dir, 'templates')];
    const out = path.join(folder, 'preview');
    await ok('templates', 'preview', 'spring-sale', ...fromFolder, '--customer', 'userId:ana', '--out', out);
    const eml = await simpleParser(await readFile(path.join(out, 'spring-sale.eml')));
    expect(eml.subject).toBe('Spring is here, Ana');
    expect(eml.html).toContain('Fresh picks for spring.');
    expectRenderedPng(await readFile(path.join(out, 'spring-sale.png')));
    await ok(
      'templates',
      'test-send',
      'spring-sale',
      ...fromFolder,
      '--to',
      'me@example.test',
      '--customer',
      'userId:ana',
    );
    expect((await mailTo('me@example.test')).subject).toBe('[TEST] Spring is here, Ana');
    expect(await templateForSend(database.db, 'spring-sale')).toBeUndefined();
    expect(await ok('journeys', 'deploy', journeyFile)).toMatch(/spring-sale/);
    const listed = JSON.parse(await ok('templates', 'list', '--json')) as {
      id: string;
      version: string;
      locales: string[];
    }[];
    expect(listed.find((t) => t.id === 'spring-sale')?.locales).toEqual(['fr']);

    await harness.identify('lea', { email: 'lea@example.test', name: 'Léa' }, { locale: 'fr-CA' });
    await harness.track('ana', 'Spring Opened');
    await harness.track('lea', 'Spring Opened');
    const english = await mailTo('ana@example.test');
    expect(english.subject).toBe('Spring is here, Ana');
    expect(english.text).toContain('Fresh picks for spring.');
    expect(english.html).toContain('Fresh picks for spring.');
    const french = await mailTo('lea@example.test');
    expect(french.subject).toBe('Le printemps est là, Léa');
    expect(french.text).toContain('Des nouveautés pour le printemps.');

    // A new version, deployed by itself: the next send uses it, the worker untouched.
    await writeFile(
      path.join(template, 'template.yaml'),
      'subject: Spring sale starts now, {{ profile.traits.name }}\n',
    );
    expect(await ok('templates', 'deploy', path.join(dir, 'templates'))).toMatch(
      /spring-sale +\S+ +deployed/,
    );
    await harness.identify('bo', { email: 'bo@example.test', name: 'Bo' });
    await harness.track('bo', 'Spring Opened');
    expect((await mailTo('bo@example.test')).subject).toBe('Spring sale starts now, Bo');

    // The API a preview uses: the current version, the locale's variant; a built-in never deployed.
    const current = await templateForSend(database.db, 'spring-sale', { locale: 'fr-BE' });
    expect(current?.locale).toBe('fr');
    expect(current?.parts.email?.subject).toBe('Le printemps est là, {{ profile.traits.name }}');
    const first = listed.find((t) => t.id === 'spring-sale') as { version: string } | undefined;
    const old = await templateForSend(database.db, 'spring-sale', { version: first?.version });
    expect(old?.parts.email?.subject).toBe('Spring is here, {{ profile.traits.name }}');
    expect((await templateForSend(database.db, 'win-back'))?.parts.push?.title).toBe('We miss you');
    expect(await templateForSend(database.db, 'no-such-template')).toBeUndefined();
  }, 240_000);

  it('a journey whose template has a mistake is refused at deploy with file and line, and nothing is deployed', async () => {
    const dir = path.join(folder, 'broken');
    const template = path.join(dir, 'templates', 'broken-sale');
    await mkdir(template, { recursive: true });
    await writeFile(path.join(template, 'template.yaml'), 'subject: Hi {{ profle.traits.name }}\n');
    await writeFile(path.join(template, 'email.mjml'), mjml('Sale'));
    const journeyFile = path.join(dir, 'broken-sale.yaml');
    await writeFile(journeyFile, journeyYaml.replaceAll('spring-sale', 'broken-sale'));
    const count = async () =>
      (
        await database.sql<{ n: number }[]>`
          select (select count(*) from template_versions where template_id = 'broken-sale')
               + (select count(*) from journey_versions where journey_id = 'broken-sale') as n`
      )[0]?.n;

    const validated = await cli('journeys', 'validate', journeyFile);
    expect(validated.code).toBe(1);
    expect(validated.stdout).toMatch(
      /broken-sale\/template\.yaml:1: unknown variable "profle" \(did you mean "profile"\?\)/,
    );
    for (const args of [
      ['journeys', 'deploy', journeyFile],
      ['templates', 'deploy', path.join(dir, 'templates')],
    ]) {
      const deployed = await cli(...args);
      expect(deployed.code, args.join(' ')).toBe(1);
      expect(deployed.stderr).toMatch(
        /template\.yaml:1: unknown variable "profle" \(did you mean "profile"\?\)/,
      );
    }
    expect(Number(await count())).toBe(0);
  }, 120_000);
});

describe('journeys validate and deploy, on the templates a journey names', () => {
  let database: TestDatabase;
  let folder: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    folder = await mkdtemp(path.join(tmpdir(), 'omnijourney-long-sms-'));
  });
  afterAll(async () => {
    await database?.drop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('validate shows a template warning (SMS over 3 segments) and passes; deploy lists the templates with versions', async () => {
    const env = { OMNIJOURNEY_DATA_DIR: path.join(folder, 'data'), DATABASE_URL: database.url };
    const template = path.join(folder, 'templates', 'long-sms');
    await mkdir(template, { recursive: true });
    await writeFile(path.join(template, 'sms.txt'), `${'Spring sale, everything must go. '.repeat(16)}\n`);
    const journeyFile = path.join(folder, 'long-sms.yaml');
    await writeFile(
      journeyFile,
      journeyYaml.replaceAll('spring-sale', 'long-sms').replace('[email]', '[sms]'),
    );

    const validated = await runCli(['journeys', 'validate', journeyFile], env);
    expect(validated.code, validated.stderr).toBe(0);
    expect(validated.stdout).toMatch(/^ok +.*long-sms/m);
    expect(validated.stdout).toMatch(/^ {2}warning: .*long-sms\/sms\.txt:1: SMS of at least 4 segments/m);

    const deployed = await runCli(['journeys', 'deploy', journeyFile], env);
    expect(deployed.code, deployed.stderr).toBe(0);
    const version = (await templateForSend(database.db, 'long-sms'))?.version ?? 'none';
    expect(deployed.stdout).toMatch(/^long-sms +\S+ +deployed$/m);
    expect(deployed.stdout).toMatch(/^TEMPLATE +VERSION +RESULT$/m);
    expect(deployed.stdout).toMatch(new RegExp(`^long-sms +${version} +deployed$`, 'm'));
  }, 120_000);
});
