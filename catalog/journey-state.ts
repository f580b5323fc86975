import { eq, sql } from 'drizzle-orm';
import type { Queryable } from '../db/queryable.js';
import { journeyStates } from '../db/schema.js';

/** An operator's state for a journey: no row is `active`. */
export type JourneyState = (typeof journeyStates.$inferSelect)['state'];

export interface JourneyStateRow {
  state: JourneyState;
  /** Triggering events that started no run because the journey was paused, since `changedAt`. */
  droppedEntries: number;
  changedAt: Date | null;
}

const active: JourneyStateRow = { state: 'active', droppedEntries: 0, changedAt: null };

/** The state of one journey (active when no operator changed it). */
export async function journeyStateOf(q: Queryable, journeyId: string): Promise<JourneyStateRow> {
  const [row] = await q.select().from(journeyStates).where(eq(journeyStates.journeyId, journeyId));
  return row ?? active;
}

/** Every journey an operator paused or undeployed, by id. */
export async function journeyStatesById(q: Queryable): Promise<Map<string, JourneyStateRow>> {
  const rows = await q.select().from(journeyStates);
  return new Map(rows.map((row) => [row.journeyId, row]));
}

/** Records a new state; the dropped-entries count starts again with it. */
export async function setJourneyState(q: Queryable, journeyId: string, state: JourneyState): Promise<void> {
  const values = { state, droppedEntries: 0, changedAt: new Date() };
  await q
    .insert(journeyStates)
    .values({ journeyId, ...values })
    .onConflictDoUpdate({ target: journeyStates.journeyId, set: values });
}

/** A triggering event found the journey paused: counted, so the operator sees what was dropped. */
export async function countDroppedEntry(q: Queryable, journeyId: string): Promise<void> {
  await q
    .update(journeyStates)
    .set({ droppedEntries: sql`${journeyStates.droppedEntries} + 1` })
    .where(eq(journeyStates.journeyId, journeyId));
}

/** The read the delivery pipeline batches under its lock: the journey's state row, if any. */
export function journeyStateRead(q: Queryable, journeyId: string) {
  return q
    .select({ state: journeyStates.state, changedAt: journeyStates.changedAt })
    .from(journeyStates)
    .where(eq(journeyStates.journeyId, journeyId));
}
