import type { InputProblem } from '../domain/input-problem.js';
import type { JourneyDefinition } from '../domain/journey-definition.js';
import { checkTemplate } from '../delivery/render-message.js';
import type { TemplateParts } from '../domain/channels.js';
import path from 'node:path';
import { didYouMeanSuffix } from '../domain/did-you-mean.js';
import { templates } from '../journeys/templates.js';
import type { TemplateFolder, TemplateProblem } from './template-files.js';
import { lintTemplate } from './template-lint.js';

/**
 * The templates a journey's send steps name, checked as at deploy: each part parses, uses only
 * known variables and filters, and a template sent as marketing has a visible unsubscribe link.
 * Problems are reported at the step that names the template.
 */
export function templateProblems(
  definition: JourneyDefinition,
  catalog: Record<string, TemplateParts> = templates,
): InputProblem[] {
  const sends = definition.steps.flatMap((step, index) => (step.type === 'send' ? [{ step, index }] : []));
  const problems: InputProblem[] = [];
  const checked = new Set<string>();
  for (const { step, index } of sends) {
    const template = catalog[step.template];
    if (!template || checked.has(step.template)) continue;
    checked.add(step.template);
    const transactionalOnly = sends
      .filter((send) => send.step.template === step.template)
      .every((send) => send.step.category === 'transactional');
    for (const problem of checkTemplate(step.template, template, { transactionalOnly }))
      problems.push({ path: `steps[${index}].template (${problem.path})`, message: problem.message });
  }
  return problems;
}

/** The file a channel's part is written in, for "add …" in a problem. */
const channelFiles: Record<string, string> = {
  email: 'email.mjml (or email.html) and a subject',
  sms: 'sms.txt',
  push: 'push.yaml',
  webhook: 'webhook.json',
};

/**
 * The template folders a journey's send steps name, checked as at deploy (template-lint.ts), with
 * the unsubscribe link required unless every step naming the template is transactional. Problems
 * are `file:line` paths; warnings (SMS segments) are returned apart: they do not refuse.
 */
export function templateFileProblems(
  definition: JourneyDefinition,
  folders: readonly TemplateFolder[],
): { problems: InputProblem[]; warnings: InputProblem[]; named: TemplateFolder[] } {
  const sends = definition.steps.flatMap((step) => (step.type === 'send' ? [step] : []));
  const named = folders.filter((folder) => sends.some((send) => send.template === folder.id));
  const all = named.flatMap((folder) =>
    lintTemplate(folder, {
      marketing: sends.some((send) => send.template === folder.id && send.category !== 'transactional'),
    }),
  );
  const toInput = (p: TemplateProblem) => ({
    path: `${path.relative(process.cwd(), p.file) || p.file}:${p.line}`,
    message: p.message,
  });
  return {
    problems: all.filter((p) => !p.warning).map(toInput),
    warnings: all.filter((p) => p.warning).map(toInput),
    named,
  };
}

/**
 * A template problem of the journey schema with what to do: for an unknown template the closest
 * id and where its folder goes, for a missing channel the file to add in the template's folder.
 */
export function withChannelFile(problem: InputProblem, folders: readonly TemplateFolder[]): InputProblem {
  const unknown = /^unknown template "([^"]+)"$/.exec(problem.message)?.[1];
  if (unknown !== undefined)
    return {
      ...problem,
      message: `${problem.message}${didYouMeanSuffix(
        unknown,
        folders.map((f) => f.id),
      )}: add its folder templates/${unknown}/ beside the journey file`,
    };
  const match = /^template "([^"]+)" has no (\w+) part$/.exec(problem.message);
  const folder = match && folders.find((f) => f.id === match[1]);
  if (!match || !folder) return problem;
  const file = channelFiles[match[2] ?? ''] ?? 'its file';
  return {
    ...problem,
    message: `${problem.message}: add ${file} to ${path.relative(process.cwd(), folder.dir) || folder.dir}`,
  };
}
