import type { BatchDelivery } from './batch-delivery.js';
import type { SendStep } from '../domain/journey-definition.js';
import type { RunEvent, SendOutcome } from '../domain/journey-runtime.js';
import type { RunStop } from '../domain/run-stop.js';

/** The send step's own fields, as the step schema defines them. */
type StepPolicy = Pick<
  SendStep,
  'template' | 'channels' | 'intentKey' | 'category' | 'tags' | 'overCap' | 'quietHours'
> &
  /** Absent: the category's default (`onOutageOf`). */
  Partial<Pick<SendStep, 'onOutage'>>;

/**
 * What a send step asks for; the delivery pipeline decides whether, when and where it goes. It is
 * the deliver activity's input, recorded in workflow histories: its fields must not change shape.
 */
export interface DeliveryRequest extends StepPolicy {
  /** Unique per (run, step): the message goes out at most once under this key. */
  dedupKey: string;
  customerId: string;
  journeyId: string;
  journeyVersion: string;
  workflowId: string;
  runId: string;
  stepId: string;
  /** The step's `intentWindow` in milliseconds; absent: the pipeline's default. */
  intentWindowMs?: number;
  trigger: RunEvent;
  /**
   * What ends the run (goal, exits, since when): the reservation skips the send when a stored event
   * already did. Absent in requests of runs from before local-activity sends (`deliver-local`).
   */
  runStop?: RunStop;
}

/** What the deliver activity knows of its own attempt. */
export interface DeliverContext {
  /** The activity's cancellation (timeout, worker shutdown, run cancelled): provider calls stop on it. */
  signal?: AbortSignal;
  /** The activity's attempt, from 1: decides between retrying a channel and moving on. */
  attempt?: number;
}

export interface Deliverer {
  deliver(request: DeliveryRequest, context?: DeliverContext): Promise<SendOutcome>;
  /** A broadcast's batch (delivery/batch-delivery.ts); absent on the ledger-only deliverer. */
  deliverBatch?: BatchDelivery['deliverBatch'];
}
