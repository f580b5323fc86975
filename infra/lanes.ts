/**
 * Runs `work(i)` for i in 0..count-1 with at most `lanes` in flight, and resolves when all have
 * settled; `work` handles its own failures (a rejection is rethrown after the others finish).
 */
export async function inLanes(
  count: number,
  lanes: number,
  work: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (next < count) {
      const index = next++;
      try {
        await work(index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(lanes, count)) }, lane));
  if (failure) throw failure.error;
}
