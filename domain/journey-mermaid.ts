import { pathsOf, type Condition } from './condition.js';
import type { JourneyDefinition, Step } from './journey-definition.js';
import { triggerText, type JourneyTrigger } from './journey-trigger.js';
import { kindOfStep, kindStyles, nodeKinds, shapeOf, type NodeKind } from './journey-mermaid-style.js';
import { exitsOf, targetOf, type StepOf, type StepType } from './step-flow.js';

/** The longest line of a label before it wraps (long conditions would make one very wide node). */
const lineWidth = 50;

/**
 * Plain text for a quoted Mermaid label: no character the renderer would read as syntax (quotes,
 * tags, markdown emphasis), long text wrapped on spaces into lines.
 */
export function label(text: string): string {
  const plain = text
    .replaceAll('"', "'")
    .replaceAll('<', '‹')
    .replaceAll('>', '›')
    .replaceAll('*', '∗')
    .replaceAll('~', '∼')
    .replaceAll('#', '№')
    .replace(/\s+/g, ' ')
    .trim();
  const lines: string[] = [];
  for (const word of plain.split(' ')) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + word.length + 1 <= lineWidth)
      lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines.join('<br/>');
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

type TextTable = { [K in StepType]: (step: StepOf<K>) => string };

/** What each step type does, in words; typed so that a new step type does not compile without one. */
const stepTexts = {
  wait: (step) => `wait ${step.duration}`,
  waitUntil: (step) =>
    `wait until ${step.date ? `${step.date} ` : ''}${step.at ?? '09:00'}${step.weekdays ? ` (${step.weekdays.join(', ')})` : ''} local time`,
  waitForEvent: (step) => `wait for ${step.event}, at most ${step.timeout}`,
  branch: (step) => `${describeCondition(step.when)}?`,
  split: () => 'split',
  send: (step) => `send ${step.template} via ${step.channels.join(' → ')}`,
  updateProfile: (step) => `update ${Object.keys(step.traits).join(', ')}`,
  end: () => '',
} satisfies TextTable;

function stepText<K extends StepType>(step: StepOf<K>): string {
  // Seen through the mapped type, the entry for `step.type` takes this step's type: no cast needed.
  const table: TextTable = stepTexts;
  const title = step.label ?? step.id;
  const text = table[step.type](step);
  return text ? `${title}: ${text}` : title;
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

const where = (match: { where?: Condition }) => (match.where ? ` if ${describeCondition(match.where)}` : '');

/** An event trigger with its condition and entry key as before; a segment or schedule trigger in words. */
function triggerWords(trigger: JourneyTrigger): string {
  if (!('event' in trigger)) return triggerText(trigger);
  return `${trigger.event}${where(trigger)}${trigger.entryKey ? `, one run per ${trigger.entryKey}` : ''}`;
}

/**
 * A journey as a Mermaid flowchart: trigger, steps with their outgoing edges, and the exits and
 * goal (which apply at any step) as nodes reached from the trigger by dotted edges. Each node
 * kind has its own shape and colours; a legend names the kinds drawn.
 */
export function journeyToMermaid(definition: JourneyDefinition): string {
  const ids = new Map(definition.steps.map((step, i) => [step.id, `s${i}`]));
  const kinds = new Map<string, NodeKind>();
  // Nodes first, then edges: renderers label a node by its first mention.
  const nodes = ['flowchart TD'];
  const edges: string[] = [];
  const add = (id: string, kind: NodeKind, text: string) => {
    kinds.set(id, kind);
    nodes.push(`  ${shapeOf[kind](id, label(text))}`);
  };
  add('trigger', 'trigger', `When: ${triggerWords(definition.trigger)}`);
  edges.push(`  trigger --> s0`);
  let implicitEnd = false;
  definition.steps.forEach((step, i) => {
    add(`s${i}`, kindOfStep[step.type], stepText(step));
    const out = stepEdges(`s${i}`, step, definition.steps[i + 1]?.id, ids);
    edges.push(...out);
    if (out.length === 0 && step.type !== 'end') {
      edges.push(`  s${i} --> done`);
      implicitEnd = true;
    }
  });
  if (implicitEnd) add('done', 'finish', 'completed');
  const { goal } = definition;
  if (goal) {
    add('goal', 'goal', `converted: ${goal.event}${where(goal)} within ${goal.within}`);
    edges.push(`  trigger -.->|"goal, at any step"| goal`);
  }
  definition.exit.forEach((exit, i) => {
    add(`exit${i}`, 'exit', `leaves on ${exit.event}${where(exit)}`);
    edges.push(`  trigger -.->|"at any step"| exit${i}`);
  });
  const legend = [...new Set(kinds.values())].map((kind) => {
    kinds.set(`legend_${kind}`, kind);
    return `    ${shapeOf[kind](`legend_${kind}`, label(nodeKinds[kind].legend))}`;
  });
  const lines = [...nodes, ...edges, '  subgraph legend["Legend"]', ...legend, '  end', ...kindStyles(kinds)];
  return `${lines.join('\n')}\n`;
}

/** Every path the journey's conditions read (for docs and checks). */
export function conditionPaths(definition: JourneyDefinition): string[] {
  const conditions: Condition[] = [];
  if ('where' in definition.trigger && definition.trigger.where) conditions.push(definition.trigger.where);
  for (const e of definition.exit) if (e.where) conditions.push(e.where);
  if (definition.goal?.where) conditions.push(definition.goal.where);
  for (const step of definition.steps) {
    if (step.type === 'branch') conditions.push(step.when);
    if (step.type === 'waitForEvent' && step.where) conditions.push(step.where);
  }
  return [...new Set(conditions.flatMap(pathsOf))];
}
