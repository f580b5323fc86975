import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { convert as htmlToText } from 'html-to-text';
import mjml2html from 'mjml';
import { LineCounter, parseDocument, isMap, isScalar } from 'yaml';
import {
  channelTable,
  isChannel,
  messageCategories,
  type MessageCategory,
  type TemplateParts,
} from '../domain/channels.js';
import { didYouMeanSuffix } from '../domain/did-you-mean.js';
import type { TemplateContent } from '../domain/template-content.js';
import { parseTemplateFileName } from '../domain/template-layout.js';
import { UserError } from '../infra/user-error.js';

/** One thing wrong in a template folder, where (file and 1-based line), and what to do. */
export interface TemplateProblem {
  file: string;
  line: number;
  message: string;
  /** Reported, but does not refuse the template (e.g. an SMS of many segments). */
  warning?: boolean;
}

/** One Liquid text of a template, where it is written: what the checks read. */
export interface TemplateSource {
  file: string;
  /** The file line the text starts on (a value in a YAML file starts below its top). */
  line: number;
  channel: keyof typeof channelTable;
  part: string;
  locale: string | undefined;
  /** As written (MJML stays MJML): Liquid lines are counted in it. */
  text: string;
  /** What is stored and rendered when it differs from `text`: the HTML that MJML compiles to. */
  compiled?: string;
}

export interface TemplateFolder {
  id: string;
  dir: string;
  /** Content hash of `content`. */
  version: string;
  content: TemplateContent;
  sources: TemplateSource[];
}

export class InvalidTemplateError extends UserError {
  constructor(readonly problems: TemplateProblem[]) {
    super(problems.map(formatTemplateProblem).join('\n'));
  }
}

export const formatTemplateProblem = (p: TemplateProblem) =>
  `${p.file}:${p.line}: ${p.warning ? 'warning: ' : ''}${p.message}`;

/** `journeys/templates`: beside the sources, or for the compiled CLI (dist/), in the sources' root it names. */
function findBuiltInTemplatesDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const beside = path.join(here, '../journeys/templates');
  if (existsSync(beside)) return beside;
  try {
    const manifest = JSON.parse(readFileSync(path.join(here, '../build-manifest.json'), 'utf8')) as {
      root?: string;
    };
    return manifest.root ? path.join(manifest.root, 'journeys/templates') : beside;
  } catch {
    return beside;
  }
}

export const builtInTemplatesDir = findBuiltInTemplatesDir();

/** A file's text without the final newline editors add (it is not part of a subject or SMS). */
const readText = (file: string) => readFileSync(file, 'utf8').replace(/\r?\n$/, '');

type Folder = { sources: TemplateSource[]; problems: TemplateProblem[]; category?: MessageCategory };

const pushKeys = [...channelTable.push.parts, ...channelTable.push.optionalParts];

/** The string fields of a YAML map (template.yaml, push.yaml), each with the line its value is on. */
function yamlFields(file: string, text: string, allowed: readonly string[], folder: Folder) {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const fields: { key: string; value: string; line: number }[] = [];
  for (const error of doc.errors)
    folder.problems.push({
      file,
      line: error.linePos?.[0].line ?? 1,
      message: error.message.split('\n')[0] ?? '',
    });
  if (doc.errors.length > 0) return fields;
  if (!isMap(doc.contents)) {
    folder.problems.push({ file, line: 1, message: `expected keys ${allowed.join(', ')}` });
    return fields;
  }
  for (const item of doc.contents.items) {
    const key = isScalar(item.key) ? String(item.key.value) : '';
    const line = lines.linePos(isScalar(item.value) ? (item.value.range?.[0] ?? 0) : 0).line;
    if (!allowed.includes(key))
      folder.problems.push({
        file,
        line,
        message: `unknown key "${key}"${didYouMeanSuffix(key, allowed)}; expected ${allowed.join(', ')}`,
      });
    else if (!isScalar(item.value) || typeof item.value.value !== 'string')
      folder.problems.push({ file, line, message: `"${key}" must be text` });
    else fields.push({ key, value: item.value.value, line });
  }
  return fields;
}

/** MJML to HTML; the Liquid in it passes through as text. MJML's own errors name their line. */
function compileMjml(file: string, text: string, folder: Folder): string {
  try {
    // mjml 4.x compiles synchronously; @types/mjml-core types it as v5's promise.
    const result = mjml2html(text, { validationLevel: 'soft', keepComments: false }) as unknown as Awaited<
      ReturnType<typeof mjml2html>
    >;
    const { html, errors } = result;
    for (const error of errors)
      folder.problems.push({ file, line: error.line, message: `MJML: ${error.message}` });
    return html;
  } catch (error) {
    folder.problems.push({ file, line: 1, message: `MJML: ${(error as Error).message}` });
    return '';
  }
}

function readFile(dir: string, name: string, folder: Folder) {
  const file = path.join(dir, name);
  const parsed = parseTemplateFileName(name);
  if ('problem' in parsed) return folder.problems.push({ file, line: 1, message: parsed.problem });
  const { locale, what } = parsed;
  const text = readText(file);
  if (what.kind === 'settings') {
    for (const { key, value, line } of yamlFields(file, text, ['subject', 'category'], folder)) {
      if (key === 'subject')
        folder.sources.push({ file, line, channel: 'email', part: 'subject', locale, text: value });
      else if ((messageCategories as readonly string[]).includes(value))
        folder.category = value as MessageCategory;
      else
        folder.problems.push({ file, line, message: `category must be ${messageCategories.join(' or ')}` });
    }
    return;
  }
  const { channel, part, format } = what;
  if (format === 'yaml') {
    for (const { key, value, line } of yamlFields(file, text, pushKeys, folder))
      folder.sources.push({ file, line, channel, part: key, locale, text: value });
  } else folder.sources.push({ file, line: 1, channel, part, locale, text });
  const source = folder.sources.at(-1);
  if (format === 'mjml' && source) source.compiled = compileMjml(file, text, folder);
}

/** The plain-text part of an email without email.txt: its HTML as text, links as `text [url]`. */
const textOf = (html: string) =>
  htmlToText(html, { wordwrap: false, selectors: [{ selector: 'img', format: 'skip' }] });

type Parts = Partial<Record<string, Record<string, string>>>;

/** One locale's parts (the default's when `locale` is undefined), each channel's parts completed. */
function partsOf(sources: TemplateSource[], locale: string | undefined, base: Parts | undefined): Parts {
  const own: Parts = {};
  for (const source of sources.filter((s) => s.locale === locale))
    (own[source.channel] ??= {})[source.part] = source.compiled ?? source.text;
  const parts: Parts = {};
  for (const channel of new Set([...Object.keys(base ?? {}), ...Object.keys(own)])) {
    const mine = own[channel] ?? {};
    const merged = { ...base?.[channel], ...mine };
    // A locale's own HTML gets its own text, not the default language's.
    if (
      channel === 'email' &&
      merged.html !== undefined &&
      (mine.text === undefined || mine.html === undefined)
    )
      if (mine.text === undefined && (mine.html !== undefined || merged.text === undefined))
        merged.text = textOf(merged.html);
    parts[channel] = merged;
  }
  return parts;
}

/** Each channel has every part it needs, else a problem naming the file to add. */
function missingParts(dir: string, parts: Parts, locale: string | undefined): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  for (const [channel, fields] of Object.entries(parts)) {
    if (!isChannel(channel)) continue;
    for (const part of channelTable[channel].parts)
      if (fields?.[part] === undefined)
        problems.push({
          file: dir,
          line: 1,
          message: `${channel}${locale ? ` (${locale})` : ''} has no ${part}: ${hint[`${channel}.${part}`] ?? `add it`}`,
        });
  }
  return problems;
}

const hint: Record<string, string> = {
  'email.subject': 'add "subject:" to template.yaml or a subject.liquid file',
  'email.html': 'add email.mjml or email.html',
  'push.title': 'add "title:" to push.yaml',
  'push.body': 'add "body:" to push.yaml',
  'push.url': 'add "url:" to push.yaml',
};

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  return value;
}

/** A template's version: the content hash of what it sends (file names and layout do not matter). */
export const templateVersion = (content: TemplateContent) =>
  createHash('sha256')
    .update(JSON.stringify(canonical(content)))
    .digest('hex')
    .slice(0, 16);

/** One template folder, read and assembled; problems in it are returned, not thrown. */
export function readTemplateFolder(dir: string): { folder: TemplateFolder; problems: TemplateProblem[] } {
  const folder: Folder = { sources: [], problems: [] };
  const names = readdirSync(dir)
    .filter((name) => !name.startsWith('.'))
    .sort();
  for (const body of ['email.mjml', 'email.html'])
    if (
      names.includes(body) &&
      names.includes(body.replace(/(mjml|html)$/, (e) => (e === 'mjml' ? 'html' : 'mjml'))) &&
      body === 'email.html'
    )
      folder.problems.push({
        file: path.join(dir, body),
        line: 1,
        message: 'both email.mjml and email.html: keep one',
      });
  for (const name of names) readFile(dir, name, folder);
  if (folder.sources.length === 0)
    folder.problems.push({
      file: dir,
      line: 1,
      message: 'no channel files: add email.mjml (or email.html), sms.txt, push.yaml or webhook.json',
    });
  const base = partsOf(folder.sources, undefined, undefined);
  const locales = [...new Set(folder.sources.flatMap((s) => (s.locale ? [s.locale] : [])))].sort();
  const content: TemplateContent = {
    default: base as TemplateParts,
    locales: Object.fromEntries(locales.map((l) => [l, partsOf(folder.sources, l, base) as TemplateParts])),
    ...(folder.category ? { category: folder.category } : {}),
  };
  folder.problems.push(...missingParts(dir, base, undefined));
  for (const locale of locales)
    folder.problems.push(...missingParts(dir, content.locales[locale] as Parts, locale));
  const id = path.basename(dir);
  return {
    folder: { id, dir, version: templateVersion(content), content, sources: folder.sources },
    problems: folder.problems,
  };
}

/** The template folders under `dir`: itself when it holds template files, else its subfolders. */
export function templateFolders(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UserError(`${dir} is not a folder of templates`);
  const entries = readdirSync(dir).filter((name) => !name.startsWith('.'));
  const subfolders = entries.filter((name) => statSync(path.join(dir, name)).isDirectory());
  if (subfolders.length === 0) return [dir];
  return subfolders.sort().map((name) => path.join(dir, name));
}

/**
 * The templates in `dir` (one template folder, or a folder of them), read and assembled. Refuses
 * (InvalidTemplateError, every problem with its file and line) a folder that cannot be assembled.
 */
export function loadTemplateFiles(dir: string): TemplateFolder[] {
  const read = templateFolders(dir).map(readTemplateFolder);
  const problems = read.flatMap((r) => r.problems);
  if (problems.length > 0) throw new InvalidTemplateError(problems);
  return read.map((r) => r.folder);
}
