import type { Database } from '../db/client.js';
import type { deliveryStatuses } from '../db/schema.js';
import type { Channel } from '../domain/channels.js';
import { ChannelFailure } from './channel-adapter.js';
import { batchTransitions, type LedgerRow } from './ledger.js';

type DeliveryStatus = (typeof deliveryStatuses)[number];

/** What a batch did: its customers by the ledger status each ended the batch in. */
export interface BatchOutcome {
  customers: number;
  statuses: Partial<Record<DeliveryStatus, number>>;
  /** The broadcast was cancelled: nothing was decided or sent. */
  cancelled: boolean;
}

type SentRow = { id: number; providerMessageId: string };

/**
 * A batch's ledger moves, gathered while its provider calls run and written together: `sent` as
 * answers come (group commit), the other moves one statement per (status, reason) at the end. Rows released for a retry
 * (a transient failure) make the batch fail after the others are recorded, so the activity's retry
 * sends only those (the rest are final and read back as they are).
 */
export class BatchSettlement {
  private readonly moves: ReturnType<typeof batchTransitions>;
  private readonly queued: SentRow[] = [];
  private writing: Promise<void> = Promise.resolve();
  private nextWrite: Promise<void> | undefined;
  private readonly grouped = new Map<string, { status: DeliveryStatus; reason: string; ids: number[] }>();
  private readonly statuses: Partial<Record<DeliveryStatus, number>> = {};
  private fellBack: { row: LedgerRow; channel: Channel; reason: string; remaining: Channel[] }[] = [];
  private released = 0;
  private firstReleaseReason = '';

  constructor(db: Database) {
    this.moves = batchTransitions(db);
  }

  count(status: DeliveryStatus): void {
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
  }

  /** At-most-once rows: the provider may have them from here on (read back by a retry after a crash). */
  async markSending(rows: readonly LedgerRow[]): Promise<void> {
    await this.moves.move(
      rows.map((row) => row.id),
      { status: 'sending' },
    );
  }

  /**
   * Group commit: one `sent` statement in flight at a time, carrying every answer that came while
   * the previous one ran. A worker killed mid-batch thus leaves only the answers of the last few
   * milliseconds accepted by the provider but still `reserved` (the retry resends them under the
   * same idempotency key, at-least-once channels), not a whole chunk. Resolves once the row is written.
   */
  async sent(row: LedgerRow, providerMessageId: string): Promise<void> {
    this.queued.push({ id: row.id, providerMessageId });
    this.count('sent');
    await this.writeQueued();
  }

  private writeQueued(): Promise<void> {
    this.nextWrite ??= this.writing
      .catch(() => undefined)
      .then(() => {
        this.nextWrite = undefined;
        const rows = this.queued.splice(0);
        this.writing = rows.length > 0 ? this.moves.sent(rows) : Promise.resolve();
        return this.writing;
      });
    return this.nextWrite;
  }

  skip(row: LedgerRow, reason: string): void {
    this.group(row, 'skipped', reason);
  }

  fail(row: LedgerRow, reason: string): void {
    this.group(row, 'failed', reason);
  }

  /** Failed for good on its channel with channels left: the customer is decided again on those. */
  fallBack(row: LedgerRow, channel: Channel, reason: string, remaining: Channel[]): void {
    this.fellBack.push({ row, channel, reason, remaining });
  }

  /**
   * The failed attempts kept in the ledger under keys of their own (as a journey's send keeps
   * them), one statement, so the customer's key is free for the next channel's decision; returns
   * each such customer's channels still to try. A crash after this decides them again on every
   * channel, where the failure the provider reported (an address marked unreachable) rules its
   * channel out.
   */
  async takeFallbacks(): Promise<Map<string, Channel[]>> {
    const taken = this.fellBack.splice(0);
    await this.moves.rekeyFailed(taken.map(({ row, channel, reason }) => ({ id: row.id, channel, reason })));
    return new Map(taken.map(({ row, remaining }) => [row.customerId, remaining]));
  }

  /** Not accepted: back to reserved (the slot stays the customer's) for the activity's retry. */
  release(row: LedgerRow, reason: string): void {
    this.released++;
    this.firstReleaseReason ||= reason;
    this.group(row, 'reserved', reason);
  }

  private group(row: LedgerRow, status: DeliveryStatus, reason: string): void {
    const key = `${status}\n${reason}`;
    const entry = this.grouped.get(key) ?? { status, reason, ids: [] };
    entry.ids.push(row.id);
    this.grouped.set(key, entry);
    this.count(status);
  }

  /** Writes every move; throws (for the activity's retry) when rows were released. */
  async finish(cancelled: boolean, customers: number): Promise<BatchOutcome> {
    await this.writeQueued();
    for (const { status, reason, ids } of this.grouped.values())
      await this.moves.move(ids, { status, reason });
    if (this.released > 0)
      throw new ChannelFailure(
        'transient',
        `${this.released} of the batch to retry (${this.firstReleaseReason})`,
      );
    return { customers, statuses: this.statuses, cancelled };
  }
}
