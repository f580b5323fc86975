import didYouMean, { ReturnTypeEnums, ThresholdTypeEnums } from 'didyoumean2';

/**
 * The known name closest to a misspelt one, for "did you mean …?" in problems a marketer reads;
 * undefined when nothing is close enough to be a likely typo.
 */
export function closestName(input: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const match = didYouMean(input, [...known], {
    returnType: ReturnTypeEnums.FIRST_CLOSEST_MATCH,
    thresholdType: ThresholdTypeEnums.EDIT_DISTANCE,
    // Two edits catch a swapped pair of letters; longer names tolerate up to three.
    threshold: Math.max(2, Math.min(3, Math.ceil(input.length / 4))),
    caseSensitive: false,
  });
  return typeof match === 'string' && match !== input ? match : undefined;
}

/** " (did you mean \"x\"?)" or "", to append to a problem. */
export function didYouMeanSuffix(input: string, known: readonly string[]): string {
  const match = closestName(input, known);
  return match ? ` (did you mean "${match}"?)` : '';
}
