import { pathsOf, type Condition } from './condition.js';
import type { JourneyDefinition, Step } from './journey-definition.js';
import { exitsOf, targetOf, type StepOf, type StepType } from './step-flow.js';

/** Text safe inside a quoted Mermaid label. */
function label(text: string): string {
  return text.replaceAll('"', '#quot;').replaceAll('<', '#lt;').replaceAll('>', '#gt;').replaceAll('\n', ' ');
}

function describeCondition(condition: Condition): string {
  if ('all' in condition) return condition.all.map(describeCondition).join(' and ');
  if ('any' in condition) return condition.any.map(describeCondition).join(' or ');
  if ('not' in condition) return `not (${describeCondition(condition.not)})`;
  const value = condition.value;
  const shown =
    value && typeof value === 'object' && 'ref' in value
      ? String((value as { ref: unknown }).ref)
      : JSON.stringify(value);
  return `${condition.path} ${condition.op}${value === undefined ? '' : ` ${shown}`}`;
}

type NodeTable = { [K in StepType]: (id: string, title: string, step: StepOf<K>) => string };

/** Each step type's node shape and text; typed so that a new step type does not compile without one. */
const stepNodes = {
  wait: (id, title, step) => `${id}(["${label(`${title}: wait ${step.duration}`)}"])`,
  waitUntil: (id, title, step) =>
    `${id}(["${label(`${title}: wait until ${step.date ? `${step.date} ` : ''}${step.at ?? '09:00'}${step.weekdays ? ` (${step.weekdays.join(', ')})` : ''} local time`)}"])`,
  waitForEvent: (id, title, step) =>
    `${id}(["${label(`${title}: wait for ${step.event}, at most ${step.timeout}`)}"])`,
  branch: (id, title, step) => `${id}{"${label(`${title}: ${describeCondition(step.when)}?`)}"}`,
  split: (id, title) => `${id}{{"${label(`${title}: split`)}"}}`,
  send: (id, title, step) =>
    // A subroutine box: a shape every Mermaid renderer draws (beautiful-mermaid has no parallelogram).
    `${id}[["${label(`${title}: send ${step.template} via ${step.channels.join(' → ')}`)}"]]`,
  updateProfile: (id, title, step) =>
    `${id}["${label(`${title}: update ${Object.keys(step.traits).join(', ')}`)}"]`,
  end: (id, title) => `${id}(("${label(title)}"))`,
} satisfies NodeTable;

function node<K extends StepType>(id: string, step: StepOf<K>): string {
  // Seen through the mapped type, the entry for `step.type` takes this step's type: no cast needed.
  const table: NodeTable = stepNodes;
  return table[step.type](id, step.label ?? step.id, step);
}

/** A step's outgoing edges, labelled by the exit they leave through (the shared next-step rule). */
function stepEdges(
  id: string,
  step: Step,
  following: string | undefined,
  ids: Map<string, string>,
): string[] {
  return exitsOf(step).flatMap((exit) => {
    const target = targetOf(step, exit, following);
    if (target === undefined) return [];
    return [`  ${id} -->${exit.label ? `|"${label(exit.label)}"|` : ''} ${ids.get(target) ?? target}`];
  });
}

/** A journey as a Mermaid flowchart: trigger, steps with their outgoing edges, exits and goal. */
export function journeyToMermaid(definition: JourneyDefinition): string {
  const ids = new Map(definition.steps.map((step, i) => [step.id, `s${i}`]));
  // Nodes first, then edges: renderers label a node by its first mention.
  const nodes = ['flowchart TD'];
  const edges: string[] = [];
  const entry = definition.trigger.entryKey ? `, one run per ${definition.trigger.entryKey}` : '';
  const where = definition.trigger.where ? ` if ${describeCondition(definition.trigger.where)}` : '';
  nodes.push(`  trigger(["${label(`When: ${definition.trigger.event}${where}${entry}`)}"])`);
  edges.push(`  trigger --> s0`);
  let implicitEnd = false;
  definition.steps.forEach((step, i) => {
    const id = `s${i}`;
    nodes.push(`  ${node(id, step)}`);
    const out = stepEdges(id, step, definition.steps[i + 1]?.id, ids);
    edges.push(...out);
    if (out.length === 0 && step.type !== 'end') {
      edges.push(`  ${id} --> done`);
      implicitEnd = true;
    }
  });
  if (implicitEnd) nodes.push(`  done(("completed"))`);
  const lines = [...nodes, ...edges];
  const exits = definition.exit.map((e) =>
    e.where ? `${e.event} if ${describeCondition(e.where)}` : e.event,
  );
  if (definition.goal)
    exits.unshift(
      `goal ${definition.goal.event}${definition.goal.where ? ` if ${describeCondition(definition.goal.where)}` : ''} (converted, ${definition.goal.within} window)`,
    );
  if (exits.length > 0) lines.push(`  exits>"${label(`Leaves at once on: ${exits.join('; ')}`)}"]`);
  return `${lines.join('\n')}\n`;
}

/** Every path the journey's conditions read (for docs and checks). */
export function conditionPaths(definition: JourneyDefinition): string[] {
  const conditions: Condition[] = [];
  if (definition.trigger.where) conditions.push(definition.trigger.where);
  for (const e of definition.exit) if (e.where) conditions.push(e.where);
  if (definition.goal?.where) conditions.push(definition.goal.where);
  for (const step of definition.steps) {
    if (step.type === 'branch') conditions.push(step.when);
    if (step.type === 'waitForEvent' && step.where) conditions.push(step.where);
  }
  return [...new Set(conditions.flatMap(pathsOf))];
}
