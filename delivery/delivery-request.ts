import type { SendStep } from '../domain/journey-definition.js';
import type { RunEvent, SendOutcome } from '../domain/journey-runtime.js';

/**
 * What a send step asks for; the delivery pipeline decides whether, when and where it goes. It is
 * the deliver activity's input, recorded in workflow histories: its fields must not change shape.
 */
export interface DeliveryRequest
  extends
    Pick<SendStep, 'template' | 'channels' | 'intentKey' | 'category' | 'tags' | 'overCap' | 'quietHours'>,
    /** Absent in requests from runs started before it existed: `retry`. */
    Partial<Pick<SendStep, 'onOutage'>> {
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
}

export interface Deliverer {
  deliver(request: DeliveryRequest): Promise<SendOutcome>;
}
