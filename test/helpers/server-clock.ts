import { AsyncLocalStorage } from 'node:async_hooks';
import { Context } from '@temporalio/activity';

/** How far the server's clock is ahead of the wall clock, for the local activity running. */
const localActivityOffset = new AsyncLocalStorage<number>();

/**
 * Runs an activity's work knowing the server's clock. A regular activity's schedule time is the
 * server's; a local activity's is the worker's wall clock, so on a time-skipping server (which runs
 * ahead) a local activity asks the server once and keeps the offset for the call.
 */
export async function withServerClock<T>(
  serverNow: (() => Promise<Date>) | undefined,
  work: () => Promise<T>,
): Promise<T> {
  if (!serverNow || !Context.current().info.isLocal) return work();
  const offset = (await serverNow()).getTime() - Date.now();
  return localActivityOffset.run(offset, work);
}

/**
 * The clock of the server that scheduled the running activity: on a time-skipping server it runs
 * ahead of the wall clock, and send decisions (caps, quiet hours) must use it.
 */
export function activityServerClock(): Date {
  const offset = localActivityOffset.getStore();
  if (offset !== undefined) return new Date(Date.now() + offset);
  return new Date(Context.current().info.currentAttemptScheduledTimestampMs);
}
