/** Activities of the raw baselines; `firstActivity` records when each key's activity began. */
export function createRawActivities(startedAt: Map<string, number>) {
  return {
    async noop(): Promise<void> {},
    async firstActivity(key: string): Promise<void> {
      startedAt.set(key, performance.now());
    },
  };
}

export type RawActivities = ReturnType<typeof createRawActivities>;
