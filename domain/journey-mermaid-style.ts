import type { StepType } from './step-flow.js';

/**
 * How a journey diagram tells step types apart: each kind of node has its own shape and its own
 * explicit colours (Mermaid `classDef`s), so the drawing reads the same in a browser, an image
 * viewer or a PDF, none of which needs CSS to paint it.
 */
export type NodeKind = 'trigger' | 'wait' | 'send' | 'decision' | 'update' | 'finish' | 'exit' | 'goal';

export const nodeKinds: Record<NodeKind, { fill: string; stroke: string; legend: string }> = {
  trigger: { fill: '#ccfbf1', stroke: '#0f766e', legend: 'trigger' },
  wait: { fill: '#fef3c7', stroke: '#b45309', legend: 'wait' },
  send: { fill: '#dbeafe', stroke: '#1d4ed8', legend: 'send' },
  decision: { fill: '#ede9fe', stroke: '#6d28d9', legend: 'branch or split' },
  update: { fill: '#dcfce7', stroke: '#15803d', legend: 'update profile' },
  finish: { fill: '#e5e7eb', stroke: '#374151', legend: 'end' },
  exit: { fill: '#fee2e2', stroke: '#b91c1c', legend: 'leaves the journey' },
  goal: { fill: '#fce7f3', stroke: '#be185d', legend: 'goal (converted)' },
};

/** The dark text every node's label is drawn in (readable on each light fill above). */
export const labelColor = '#1f2937';

export const kindOfStep: Record<StepType, NodeKind> = {
  wait: 'wait',
  waitUntil: 'wait',
  waitForEvent: 'wait',
  branch: 'decision',
  split: 'decision',
  send: 'send',
  updateProfile: 'update',
  end: 'finish',
};

/** Each kind's node shape, as Mermaid brackets around a quoted label. */
export const shapeOf: Record<NodeKind, (id: string, text: string) => string> = {
  trigger: (id, text) => `${id}(["${text}"])`,
  wait: (id, text) => `${id}("${text}")`,
  send: (id, text) => `${id}[["${text}"]]`,
  decision: (id, text) => `${id}{{"${text}"}}`,
  update: (id, text) => `${id}["${text}"]`,
  finish: (id, text) => `${id}(("${text}"))`,
  exit: (id, text) => `${id}>"${text}"]`,
  goal: (id, text) => `${id}(["${text}"])`,
};

/** The `classDef` and `class` lines giving each node its kind's colours. */
export function kindStyles(kinds: ReadonlyMap<string, NodeKind>): string[] {
  const byKind = new Map<NodeKind, string[]>();
  for (const [id, kind] of kinds) byKind.set(kind, [...(byKind.get(kind) ?? []), id]);
  return [...byKind].flatMap(([kind, ids]) => {
    const { fill, stroke } = nodeKinds[kind];
    return [
      `  classDef ${kind} fill:${fill},stroke:${stroke},color:${labelColor}`,
      `  class ${ids.join(',')} ${kind}`,
    ];
  });
}
