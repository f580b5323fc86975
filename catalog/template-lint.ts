import type { Liquid } from 'liquidjs';
import { channelTable } from '../domain/channels.js';
import { didYouMeanSuffix } from '../domain/did-you-mean.js';
import { smsSegments, smsSegmentWarning } from '../domain/sms-segments.js';
import { unknownVariable } from '../domain/template-context.js';
import { engineFor } from '../delivery/liquid.js';
import { unsubscribeLink } from '../delivery/render-message.js';
import {
  readTemplateFolder,
  templateFolders,
  type TemplateFolder,
  type TemplateProblem,
  type TemplateSource,
} from './template-files.js';

/** Web Push services refuse payloads above 4 KB (RFC 8030 §7.2 lets them; FCM and Mozilla do). */
export const pushPayloadLimit = 4096;

const position = (error: unknown): [number, number] | undefined =>
  (error as { token?: { getPosition?: () => [number, number] } }).token?.getPosition?.();

/** A Liquid parse error as a marketer reads it: the unknown tag or filter with a suggestion. */
function parseProblem(engine: Liquid, error: unknown): string {
  const message = (error as Error).message.replace(/, line:\d+, col:\d+$/, '').split('\n')[0] ?? '';
  const tag = /^tag "([^"]+)" not found/.exec(message)?.[1];
  if (tag) return `unknown tag "${tag}"${didYouMeanSuffix(tag, Object.keys(engine.tags))}`;
  const filter = /^undefined filter: (\S+)/.exec(message)?.[1];
  if (filter) return `unknown filter "${filter}"${didYouMeanSuffix(filter, Object.keys(engine.filters))}`;
  if (/not closed/.test(message)) return `${message}: close it (e.g. {% endif %}, {% endfor %})`;
  return `Liquid does not parse: ${message}`;
}

/** Liquid syntax, tags, filters and variables of one text, at the file line of each. */
function liquidProblems(source: TemplateSource): TemplateProblem[] {
  const engine = engineFor(source.part);
  const at = (row: number) => source.line + row - 1;
  try {
    const analysis = engine.analyzeSync(engine.parse(source.text));
    const problems: TemplateProblem[] = [];
    for (const variables of Object.values(analysis.globals))
      for (const variable of variables) {
        const message = unknownVariable(
          variable.segments.map((s) => (typeof s === 'object' ? String(s) : s)),
        );
        if (message) problems.push({ file: source.file, line: at(variable.location.row), message });
      }
    return problems;
  } catch (error) {
    return [{ file: source.file, line: at(position(error)?.[0] ?? 1), message: parseProblem(engine, error) }];
  }
}

/** SMS text with Liquid tags taken out: the least it can be once rendered. */
function smsProblems(source: TemplateSource): TemplateProblem[] {
  const fixed = source.text.replace(/\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g, '');
  const { encoding, units, segments } = smsSegments(fixed);
  if (segments <= smsSegmentWarning) return [];
  const hint =
    encoding === 'UCS-2' ? ' (a character outside GSM-7 makes every segment hold 67, not 153)' : '';
  return [
    {
      file: source.file,
      line: source.line,
      warning: true,
      message: `SMS of at least ${segments} segments (${units} ${encoding} characters without the Liquid values), each billed as one SMS${hint}: shorten it to ${smsSegmentWarning} or fewer`,
    },
  ];
}

/** Each push variant's title, body and URL, as JSON, within what push services accept. */
function pushProblems(template: TemplateFolder): TemplateProblem[] {
  const variants = [template.content.default, ...Object.values(template.content.locales)];
  const file = template.sources.find((s) => s.channel === 'push')?.file ?? template.dir;
  return variants.flatMap((parts) => {
    const size = parts.push ? Buffer.byteLength(JSON.stringify(parts.push)) : 0;
    return size > pushPayloadLimit
      ? [
          {
            file,
            line: 1,
            message: `push payload of ${size} bytes before values; the limit is ${pushPayloadLimit}: shorten the title or body`,
          },
        ]
      : [];
  });
}

/** A marketing email needs a visible `<a href="{{ unsubscribe_url }}">…</a>`, and an email.txt the URL. */
function unsubscribeProblems(template: TemplateFolder): TemplateProblem[] {
  const fix = 'marketing email without a visible unsubscribe link: add';
  const unless = '(or category: transactional in template.yaml)';
  return template.sources.flatMap((s) => {
    const at = { file: s.file, line: s.text.split('\n').length };
    if (s.channel !== 'email') return [];
    if (s.part === 'html' && !unsubscribeLink.test(s.compiled ?? s.text))
      return [{ ...at, message: `${fix} <a href="{{ unsubscribe_url }}">Unsubscribe</a> ${unless}` }];
    if (s.part === 'text' && !/\{\{\s*unsubscribe_url\s*\}\}/.test(s.text))
      return [{ ...at, message: `${fix} Unsubscribe: {{ unsubscribe_url }} ${unless}` }];
    return [];
  });
}

/**
 * Everything checkable before a send about one template: Liquid, variables, SMS length, push size,
 * and (unless only ever sent as transactional) the unsubscribe link.
 */
export function lintTemplate(template: TemplateFolder, options: { marketing: boolean }): TemplateProblem[] {
  const problems = template.sources.flatMap((source) => [
    ...liquidProblems(source),
    ...(source.channel === 'sms' ? smsProblems(source) : []),
  ]);
  problems.push(...pushProblems(template));
  if (options.marketing && template.content.category !== 'transactional')
    problems.push(...unsubscribeProblems(template));
  return problems;
}

export const channelsOfTemplate = (template: TemplateFolder) =>
  Object.keys(template.content.default).filter((c) => Object.hasOwn(channelTable, c));

/**
 * The template folders in `dirs`, each read and checked on its own (sent as marketing unless its
 * template.yaml says transactional): what `templates validate` and `templates deploy` do.
 */
export function checkTemplateDirs(
  dirs: readonly string[],
): { folder: TemplateFolder; problems: TemplateProblem[] }[] {
  return dirs
    .flatMap((dir) => templateFolders(dir))
    .map((dir) => {
      const { folder, problems } = readTemplateFolder(dir);
      return { folder, problems: [...problems, ...lintTemplate(folder, { marketing: true })] };
    });
}
