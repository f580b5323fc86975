import type { InputProblem } from '../domain/input-problem.js';
import type { JourneyDefinition } from '../domain/journey-definition.js';
import { checkTemplate } from '../delivery/render-message.js';
import type { TemplateParts } from '../domain/channels.js';
import { templates } from '../journeys/templates.js';

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
