/**
 * Deterministic assignment of a customer to a split variant: the same customer always lands in
 * the same bucket of the same split, and different splits are independent.
 */

/** FNV-1a (32-bit) then a murmur3 finaliser, for an even spread of similar keys. */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

export interface SplitArm {
  name: string;
  /** Percent of customers, 0–100; the arms of a split add up to 100. */
  percent: number;
}

/** The arm for this customer; a point in [0, 100) walks the arms in order. */
export function chooseArm<T extends SplitArm>(arms: readonly T[], seed: string, customerId: string): T {
  const point = (stableHash(`${seed}\u0000${customerId}`) % 10_000) / 100;
  let upper = 0;
  for (const arm of arms) {
    upper += arm.percent;
    if (point < upper) return arm;
  }
  const last = arms.at(-1);
  if (!last) throw new Error('a split needs at least one arm');
  return last;
}
