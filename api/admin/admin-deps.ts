import type { Client } from '@temporalio/client';
import type { Database } from '../../db/client.js';
import type { TestSendSettings } from '../../delivery/test-send.js';

/** What the admin routes use. */
export interface AdminDependencies {
  db: Database;
  adminToken: string;
  defaultPhoneCountry?: string;
  countWorkflows?: (query: string) => Promise<number>;
  /** Ends runs and reads the step each is at; unset: those routes answer 503. */
  temporal?: Client;
  /** The workers' task queue: broadcasts' workflows start on it, and (with `temporal`) a deployed scheduled journey's entry workflow; unset: creating a broadcast answers 503. */
  taskQueue?: string;
  /** What template previews render and test sends go out with; unset: no unsubscribe links, no test sends. */
  messages?: () => TestSendSettings;
}
