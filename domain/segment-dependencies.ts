import { referencedSegments, type EventCondition, type SegmentDefinition } from './segment-definition.js';
import { eventMatches } from './segment-evaluation.js';

/**
 * Which segments a stored event can change, so ingest evaluates only those: a track event those
 * that count its name, an identify (traits, consent, addresses) those that read traits or
 * reachability, and after either every segment that names a changed one. Pure.
 */
export interface SegmentDependencies {
  /** Event names any segment counts. */
  eventNames: ReadonlySet<string>;
  /** Whether any segment reads traits or reachability (identify changes them). */
  readsProfile: boolean;
  /**
   * The segments an event touches, referenced ones before those that name them: a track event only
   * those with a condition it counts (name and `where`; given its properties).
   */
  affectedBy(event: {
    type: string;
    name: string | null;
    properties?: Record<string, unknown>;
    occurredAt?: Date;
  }): string[];
  /** These segments and every segment that names one of them, transitively, in evaluation order. */
  withDependents(ids: Iterable<string>): string[];
  /** Every segment id in evaluation order (a referenced segment before the segments naming it). */
  order: readonly string[];
}

const basics = (definition: SegmentDefinition) =>
  definition.conditions.map((condition) => ('not' in condition ? condition.not : condition));

export function segmentDependencies(definitions: readonly SegmentDefinition[]): SegmentDependencies {
  const byName = new Map<string, { id: string; condition: EventCondition }[]>();
  const profileReaders: string[] = [];
  const dependents = new Map<string, string[]>();
  for (const definition of definitions) {
    for (const basic of basics(definition)) {
      if ('event' in basic)
        byName.set(basic.event, [
          ...(byName.get(basic.event) ?? []),
          { id: definition.id, condition: basic },
        ]);
      if ('trait' in basic || 'reachable' in basic) profileReaders.push(definition.id);
    }
    for (const ref of referencedSegments(definition))
      dependents.set(ref, [...(dependents.get(ref) ?? []), definition.id]);
  }
  const order = evaluationOrder(definitions);
  const rank = new Map(order.map((id, index) => [id, index]));
  const withDependents = (ids: Iterable<string>): string[] => {
    const found = new Set<string>();
    const queue = [...ids];
    // Bounded: each id enters the set once.
    while (queue.length > 0) {
      const id = queue.pop() ?? '';
      if (found.has(id) || !rank.has(id)) continue;
      found.add(id);
      queue.push(...(dependents.get(id) ?? []));
    }
    return [...found].sort((a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0));
  };
  return {
    eventNames: new Set(byName.keys()),
    readsProfile: profileReaders.length > 0,
    order,
    withDependents,
    affectedBy(event) {
      if (event.type === 'track') {
        const counted = {
          name: event.name,
          properties: event.properties ?? {},
          occurredAt: event.occurredAt ?? new Date(0),
        };
        // An event a condition does not count cannot change that segment's answer.
        const touched = (byName.get(event.name ?? '') ?? []).filter(
          ({ condition }) => event.properties === undefined || eventMatches(condition, counted),
        );
        return withDependents(touched.map(({ id }) => id));
      }
      if (event.type === 'identify') return withDependents(profileReaders);
      return [];
    },
  };
}

/** Referenced segments first; validation refuses loops, and a loop that slipped in is cut, not followed. */
function evaluationOrder(definitions: readonly SegmentDefinition[]): string[] {
  const byId = new Map(definitions.map((d) => [d.id, d]));
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string) => {
    if (state.has(id) || !byId.has(id)) return;
    state.set(id, 'visiting');
    const definition = byId.get(id);
    for (const ref of definition ? referencedSegments(definition) : []) visit(ref);
    state.set(id, 'done');
    order.push(id);
  };
  for (const definition of definitions) visit(definition.id);
  return order;
}

/**
 * Event names of which a member must have at least one stored event (a condition counting ≥ 1 of
 * them, not negated, that every member meets), or undefined when anyone could be a member (a
 * trait, "no order in 60 days"): who a first evaluation needs to look at.
 */
export function anchorEvents(definition: SegmentDefinition): string[] | undefined {
  const needsOne = definition.conditions.map((condition) => {
    if ('not' in condition || !('event' in condition)) return undefined;
    const { gte, eq, lte } = condition.count;
    const atLeastOne = (gte !== undefined && gte >= 1) || (eq !== undefined && eq >= 1);
    return atLeastOne && lte === undefined ? condition.event : undefined;
  });
  if (definition.match === 'all') {
    const anchor = needsOne.find((name) => name !== undefined);
    return anchor === undefined ? undefined : [anchor];
  }
  return needsOne.every((name) => name !== undefined) ? [...new Set(needsOne)] : undefined;
}
