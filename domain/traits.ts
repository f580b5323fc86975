/**
 * Traits merged per key by the time they were set, so an event that arrives late (a mobile
 * client flushing an old queue) never overwrites a newer value.
 */
export interface TraitState {
  traits: Record<string, unknown>;
  traitTimes: Record<string, string>;
}

/** Keys that are identities or consent, kept out of the free-form traits. */
const reserved = new Set(['consent']);

export function mergeTraits(state: TraitState, update: Record<string, unknown>, at: Date): TraitState {
  const traits = { ...state.traits };
  const traitTimes = { ...state.traitTimes };
  const time = at.toISOString();
  for (const [key, value] of Object.entries(update)) {
    if (reserved.has(key) || value === undefined) continue;
    const previous = traitTimes[key];
    if (previous !== undefined && previous > time) continue;
    traits[key] = value;
    traitTimes[key] = time;
  }
  return { traits, traitTimes };
}

/** Two profiles folded into one: per key, the value set last wins. */
export function combineTraits(a: TraitState, b: TraitState): TraitState {
  const older = { traits: { ...a.traits }, traitTimes: { ...a.traitTimes } };
  for (const [key, value] of Object.entries(b.traits)) {
    const bTime = b.traitTimes[key] ?? '';
    const aTime = older.traitTimes[key];
    if (aTime === undefined || bTime > aTime) {
      older.traits[key] = value;
      older.traitTimes[key] = bTime;
    }
  }
  return older;
}
