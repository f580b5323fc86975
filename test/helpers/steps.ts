import { randomUUID } from 'node:crypto';
import {
  validateJourney,
  type JourneyDefinition,
  type JourneyDefinitionInput,
} from '../../domain/journey-definition.js';
import type { ProfileSnapshot } from '../../customers/profile-snapshot.js';
import type { RunEvent } from '../../domain/journey-runtime.js';

/**
 * The one builder for journey fixtures in tests: steps with sensible defaults (a test names only
 * what it is about), a journey validated as the catalogue would, and events.
 */

type StepInput = JourneyDefinitionInput['steps'][number];
type StepInputOf<K extends StepInput['type']> = Extract<StepInput, { type: K }>;
/** A step's fields without its type; those the builder defaults are optional. */
type Fields<K extends StepInput['type'], Defaulted extends keyof StepInputOf<K> = never> = Omit<
  StepInputOf<K>,
  'type' | Defaulted
> &
  Partial<Pick<StepInputOf<K>, Defaulted>>;

export const wait = (fields: Fields<'wait', 'duration'>): StepInput => ({
  type: 'wait',
  duration: '1h',
  ...fields,
});
export const waitUntil = (fields: Fields<'waitUntil'>): StepInput => ({ type: 'waitUntil', ...fields });
export const waitForEvent = (fields: Fields<'waitForEvent', 'timeout'>): StepInput => ({
  type: 'waitForEvent',
  timeout: '1d',
  ...fields,
});
export const branch = (fields: Fields<'branch'>): StepInput => ({ type: 'branch', ...fields });
export const split = (fields: Fields<'split'>): StepInput => ({ type: 'split', ...fields });
export const send = (fields: Fields<'send', 'template' | 'channels' | 'intentKey'>): StepInput => ({
  type: 'send',
  template: `${fields.id}-template`,
  channels: ['email'],
  intentKey: `${fields.id}-intent`,
  ...fields,
});
export const updateProfile = (fields: Fields<'updateProfile'>): StepInput => ({
  type: 'updateProfile',
  ...fields,
});
export const end = (fields: Fields<'end'>): StepInput => ({ type: 'end', ...fields });

/** A valid journey (defaults applied, as runs receive it); throws with the problems otherwise. */
export function journey(
  fields: Partial<JourneyDefinitionInput> & Pick<JourneyDefinitionInput, 'steps'>,
): JourneyDefinition {
  const result = validateJourney({
    id: 'test-journey',
    name: 'Test journey',
    trigger: { event: 'Signed Up' },
    ...fields,
  });
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return result.definition;
}

/** An event as a run receives it; `at` defaults to the wall clock (pass the server's on a time-skipping one). */
export function event(name: string, properties: Record<string, unknown> = {}, at?: Date): RunEvent {
  return {
    messageId: randomUUID(),
    name,
    properties,
    occurredAt: (at ?? new Date()).toISOString(),
  };
}

/** A customer profile as `loadProfile` returns it. */
export function profile(fields: Partial<ProfileSnapshot> = {}): ProfileSnapshot {
  return {
    customerId: 'customer-1',
    traits: {},
    timeZone: null,
    locale: null,
    orderCount: 0,
    lifetimeValue: 0,
    cart: null,
    lastOrder: null,
    ...fields,
  };
}
