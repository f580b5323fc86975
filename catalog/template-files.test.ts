import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidJourneyError, loadJourneyFile } from './journey-catalog.js';

const footer = '<a href="{{ unsubscribe_url }}">Unsubscribe</a>';
const mjml = (inner: string) =>
  `<mjml>\n<mj-body>\n<mj-section>\n<mj-column>\n${inner}\n<mj-text>${footer}</mj-text>\n</mj-column>\n</mj-section>\n</mj-body>\n</mjml>\n`;
const good: Record<string, string> = {
  'template.yaml': 'subject: Hello\n',
  'email.html': `<p>Hi</p>${footer}\n`,
};

/** A journey file sending template `promo` on `channels`, with the template's files beside it. */
async function journeyWith(
  root: string,
  name: string,
  files: Record<string, string>,
  step: { channels?: string; category?: string; template?: string } = {},
) {
  const dir = path.join(root, name);
  await mkdir(path.join(dir, 'templates', 'promo'), { recursive: true });
  for (const [file, text] of Object.entries(files))
    await writeFile(path.join(dir, 'templates', 'promo', file), text);
  const journey = path.join(dir, 'j.yaml');
  await writeFile(
    journey,
    `id: j\nname: J\ntrigger: { event: E }\nsteps:\n  - { id: s, type: send, template: ${step.template ?? 'promo'}, channels: [${step.channels ?? 'email'}], category: ${step.category ?? 'marketing'}, intentKey: k }\n`,
  );
  return journey;
}

/** The problems loading the journey reports, as `path: message` lines (none when it loads). */
async function problemsOf(journey: string): Promise<string[]> {
  try {
    await loadJourneyFile(journey);
    return [];
  } catch (error) {
    if (!(error instanceof InvalidJourneyError)) throw error;
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
}

describe('template mistakes refused at validate and deploy, with file, line and a suggestion', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'template-mistakes-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const cases: [
    string,
    Record<string, string>,
    RegExp,
    { channels?: string; category?: string; template?: string }?,
  ][] = [
    [
      'unclosed tag',
      { ...good, 'email.html': `<p>\n{% if profile.traits.vip %}VIP</p>${footer}\n` },
      /promo\/email\.html:2: tag \{% if profile\.traits\.vip %\} not closed: close it/,
    ],
    [
      'unknown filter',
      { ...good, 'sms.txt': 'Hi\n{{ profile.traits.name | upcas }}\n' },
      /promo\/sms\.txt:2: unknown filter "upcas" \(did you mean "upcase"\?\)/,
      { channels: 'sms' },
    ],
    [
      'unknown tag',
      { ...good, 'email.txt': 'a\nb\n{% iff x %}{% endif %}\n' },
      /promo\/email\.txt:3: unknown tag "iff" \(did you mean "if"\?\)/,
    ],
    [
      'unknown variable',
      {
        'template.yaml': 'category: marketing\nsubject: Hi {{ profile.trait.name }}\n',
        'email.html': good['email.html'] ?? '',
      },
      /promo\/template\.yaml:2: unknown variable "profile\.trait" \(did you mean "traits"\?\)/,
    ],
    [
      'missing channel part',
      good,
      /steps\[0\]\.channels\[0\]: template "promo" has no sms part: add sms\.txt to .*templates\/promo/,
      { channels: 'sms' },
    ],
    [
      'push payload over 4 KB',
      { 'push.yaml': `title: T\nbody: ${'x'.repeat(4200)}\nurl: "{{ shop.url }}"\n` },
      /promo\/push\.yaml:1: push payload of \d+ bytes .*limit is 4096: shorten/,
      { channels: 'push' },
    ],
    [
      'HTML that MJML rejects',
      {
        ...good,
        'email.html': undefined as unknown as string,
        'email.mjml': mjml('<mj-buton href="{{ shop.url }}">Go</mj-buton>'),
      },
      /promo\/email\.mjml:5: MJML: Element mj-buton doesn't exist/,
    ],
    [
      'marketing email without unsubscribe link',
      { ...good, 'email.html': '<p>Hi</p>\n' },
      /promo\/email\.html:1: marketing email without a visible unsubscribe link: add <a href="\{\{ unsubscribe_url \}\}">/,
    ],
    [
      'marketing text part without the unsubscribe URL',
      { ...good, 'email.txt': 'Hi\n' },
      /promo\/email\.txt:1: marketing email without a visible unsubscribe link: add Unsubscribe: \{\{ unsubscribe_url \}\}/,
    ],
    [
      'unknown template',
      good,
      /steps\[0\]\.template: unknown template "promoo" \(did you mean "promo"\?\): add its folder templates\/promoo\//,
      { template: 'promoo' },
    ],
    [
      'misnamed file',
      { ...good, 'emial.txt': 'x' },
      /promo\/emial\.txt:1: not a template file \(did you mean "email\.txt"\?\)/,
    ],
  ];

  it.each(cases)('%s', async (name, files, expected, step) => {
    const defined = Object.fromEntries(Object.entries(files).filter(([, text]) => text !== undefined));
    const problems = await problemsOf(await journeyWith(root, name.replaceAll(' ', '-'), defined, step));
    expect(problems.join('\n')).toMatch(expected);
  });

  it('an SMS above 3 segments is a warning with its count, not a refusal; transactional email needs no link', async () => {
    const long = `{{ profile.traits.name }}: ${'ł'.repeat(210)}\n`;
    const checked = await loadJourneyFile(
      await journeyWith(root, 'long-sms', { ...good, 'sms.txt': long }, { channels: 'sms' }),
    );
    expect(checked.warnings?.map((w) => `${w.path}: ${w.message}`).join('\n')).toMatch(
      /promo\/sms\.txt:1: SMS of at least 4 segments \(212 UCS-2 characters/,
    );
    const receipt = await journeyWith(
      root,
      'receipt',
      { ...good, 'email.html': '<p>Receipt</p>\n' },
      { category: 'transactional' },
    );
    expect(await problemsOf(receipt)).toEqual([]);
  });
});
