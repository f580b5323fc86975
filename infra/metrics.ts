import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SendOutcome } from '../domain/journey-runtime.js';

/**
 * The engine's own metrics, one registry per process (the API and the worker of `start` share
 * it). Served at GET /metrics together with the Temporal SDK's runtime metrics.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'omnijourney_' });

export const eventsIngested = new Counter({
  name: 'omnijourney_events_ingested_total',
  help: 'Messages received by the ingest API, by type and whether they were new or already stored',
  labelNames: ['type', 'outcome'] as const,
  registers: [registry],
});

export const batchItemsRefused = new Counter({
  name: 'omnijourney_batch_items_refused_total',
  help: 'Calls of a batch that were refused (invalid, too large, not allowed for the key) while the rest was stored',
  registers: [registry],
});

const deliveryOutcomes = new Counter({
  name: 'omnijourney_deliveries_total',
  help: 'Send decisions of the delivery pipeline, by channel (none when no channel was chosen) and outcome',
  labelNames: ['channel', 'outcome'] as const,
  registers: [registry],
});

const deliveryFailures = new Counter({
  name: 'omnijourney_delivery_failures_total',
  help: 'Channel failures in the delivery pipeline (each attempt), by channel and reason: transient, permanent, unreachable, unsubscribed, render, outcome-unknown, error',
  labelNames: ['channel', 'reason'] as const,
  registers: [registry],
});

/** Counts one channel's failure in a send (a render error, a provider failure or timeout, anything else). */
export function countDeliveryFailure(channel: string, reason: string): void {
  deliveryFailures.inc({ channel, reason });
}

export const capsHit = new Counter({
  name: 'omnijourney_caps_hit_total',
  help: 'Frequency caps that stopped a send on a channel, by rule and over-cap policy',
  labelNames: ['rule', 'policy'] as const,
  registers: [registry],
});

const triggerToSend = new Histogram({
  name: 'omnijourney_trigger_to_send_seconds',
  help: 'From the event that started the run to the provider accepting the message (includes journey waits)',
  labelNames: ['channel'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3_600, 86_400, 604_800],
  registers: [registry],
});

/** Counts a send step's outcome and, for a message sent, the time since the event that started its run. */
export function countDelivery(outcome: SendOutcome, triggerOccurredAt: string, now: () => Date): void {
  deliveryOutcomes.inc({ channel: outcome.channel ?? 'none', outcome: outcome.status });
  if (outcome.status !== 'sent' || !outcome.channel) return;
  const started = Date.parse(triggerOccurredAt);
  if (Number.isFinite(started))
    triggerToSend.observe({ channel: outcome.channel }, Math.max(0, (now().getTime() - started) / 1000));
}

const rateWait = new Histogram({
  name: 'omnijourney_rate_wait_seconds',
  help: 'Time a send waited for its provider rate governor token(s), by channel and priority (triggered, bulk)',
  labelNames: ['channel', 'priority'] as const,
  buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

/** Counts one wait for governor tokens (also a wait of zero: the count is the tokens asked for). */
export function observeRateWait(channel: string, priority: string, seconds: number): void {
  rateWait.observe({ channel, priority }, seconds);
}

const providerBlocked = new Counter({
  name: 'omnijourney_provider_blocked_seconds_total',
  help: 'Seconds a provider account was paused for every worker after it asked to slow down (429 / Retry-After, SMTP 421), by channel',
  labelNames: ['channel'] as const,
  registers: [registry],
});

const providerThrottled = new Counter({
  name: 'omnijourney_provider_throttled_total',
  help: 'Answers of a provider asking to slow down (HTTP 429, SMTP 421 or 4.7.x rate), by channel',
  labelNames: ['channel'] as const,
  registers: [registry],
});

/** Counts a provider's "slow down" answer, governed channel or not. */
export function countProviderThrottled(channel: string): void {
  providerThrottled.inc({ channel });
}

/** Counts the pause the governor imposed on every worker after a "slow down". */
export function countProviderBlock(channel: string, seconds: number): void {
  providerBlocked.inc({ channel }, seconds);
}
