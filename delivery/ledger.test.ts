import { describe, expect, it } from 'vitest';
import { outcomeOf, type LedgerRow } from './ledger.js';

/** A ledger row as PostgreSQL returns it; only the fields the outcome reads matter here. */
function row(values: Partial<LedgerRow>): LedgerRow {
  const at = new Date('2026-01-01T00:00:00Z');
  return {
    id: 1,
    dedupKey: 'journey/x/c/k/run/step',
    customerId: '00000000-0000-4000-8000-000000000001',
    journeyId: 'x',
    journeyVersion: 'v',
    workflowId: 'journey/x/c/k',
    runId: 'run',
    stepId: 'step',
    channel: 'email',
    intentKey: 'intent',
    category: 'marketing',
    tags: [],
    status: 'reserved',
    reason: null,
    providerMessageId: null,
    deferredUntil: null,
    rule: null,
    createdAt: at,
    updatedAt: at,
    ...values,
  };
}

describe('outcomeOf: what a retried or replayed step reads back from its ledger row', () => {
  it('reports a message the provider took, or delivered, as sent with its provider id', () => {
    for (const status of ['sent', 'delivered'] as const)
      expect(outcomeOf(row({ status, providerMessageId: 'p-1' }))).toEqual({
        status: 'sent',
        channel: 'email',
        providerMessageId: 'p-1',
      });
  });

  it('keeps a deferral a deferral, and everything else a skip with its reason', () => {
    expect(outcomeOf(row({ status: 'deferred', reason: 'quiet hours' }))).toEqual({
      status: 'deferred',
      channel: 'email',
      reason: 'quiet hours',
    });
    for (const status of ['skipped', 'failed'] as const)
      expect(outcomeOf(row({ status, channel: null, reason: 'why' }))).toEqual({
        status: 'skipped',
        channel: undefined,
        reason: 'why',
      });
  });

  it('reports a deferred row with its release time', () => {
    const until = new Date('2026-01-01T09:12:00Z');
    expect(outcomeOf(row({ status: 'deferred', reason: 'quiet hours', deferredUntil: until }))).toEqual({
      status: 'deferred',
      channel: 'email',
      reason: 'quiet hours',
      until: until.toISOString(),
    });
  });
});
