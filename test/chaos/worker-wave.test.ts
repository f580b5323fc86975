import { temporal } from '@temporalio/proto';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveries } from '../../db/schema.js';
import { defineJourney } from '../../journeys/define-journey.js';
import { reportFigures, sized } from './chaos-figures.js';
import {
  createChaosRig,
  eventually,
  inLanes,
  type ChaosRig,
  type WorkerProcess,
  keyOf,
} from './chaos-rig.js';

/**
 * Two kinds of worker process serve one wave of one-email runs: the all-in-one `omnijourney start`
 * (its worker and API in one process, its own data folder and port) and a separate `omnijourney
 * worker`, on the same Temporal, PostgreSQL and task queue. Each round SIGKILLs one kind mid-wave
 * (alternating) and restarts it only once the round has ended, so every send the killed process had
 * in flight is resent by the other kind. The SMTP peer keeps each message 2 s before its 250 (a
 * server that scans before it answers): the crash window is wide, and each kill leaves resends.
 */
const wave = defineJourney({
  id: 'chaos-wave',
  name: 'Chaos: a wave of one-email reminders',
  trigger: { event: 'Wave Reminder' },
  steps: [
    {
      id: 'reminder',
      type: 'send',
      template: 'order-thank-you',
      channels: ['email'],
      intentKey: 'chaos-wave-reminder',
    },
  ],
});
type Kind = 'all-in-one' | 'worker';

describe('a wave of emails served by `start` and a separate `worker`, one of them SIGKILLed each round', () => {
  const runs = sized(80, 600);
  const rounds = sized(4, 10);
  let rig: ChaosRig;
  const processes = {} as Record<Kind, WorkerProcess>;
  const start: Record<Kind, () => Promise<WorkerProcess>> = {
    'all-in-one': () => rig.startAllInOne(),
    worker: async () => rig.startWorker(),
  };

  /** Pids polling the task queue for activities (the SDK's worker identity is `pid@host`). */
  const pollers = async () => {
    const { pollers } = await rig.client.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: rig.taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    });
    return new Set(pollers.map((poller) => Number(poller.identity?.split('@')[0])));
  };
  const polling = async (kind: Kind) => {
    const { child } = processes[kind];
    await eventually(pollers, (pids) => pids.has(child.pid ?? -1), 120_000, `${kind} polling`).catch(
      (error: Error) => {
        throw new Error(`${error.message}\n${kind} output:\n${processes[kind].output()}`);
      },
    );
  };

  beforeAll(async () => {
    rig = await createChaosRig([wave], { smtpReplyDelayMs: 2_000 });
    for (const kind of ['all-in-one', 'worker'] as const) processes[kind] = await start[kind]();
    await Promise.all([polling('all-in-one'), polling('worker')]);
  }, 300_000);
  afterAll(async () => {
    await rig?.close();
  }, 300_000);

  it(`${rounds} rounds of ${runs} one-email runs: the peer's distinct messages equal the ledger's sent rows, every resend has its first copy's Message-ID`, async () => {
    const resent: Record<Kind, number> = { 'all-in-one': 0, worker: 0 };
    for (let round = 0; round < rounds; round++) {
      const killed: Kind = round % 2 === 0 ? 'all-in-one' : 'worker';
      const prefix = `wave${round}`;
      const users = await rig.identifyCustomers(prefix, runs);
      const customers = new Set(await Promise.all(users.map((user) => rig.customerIdOf(user))));
      const mails = () => rig.smtp.messages.filter((mail) => keyOf(mail).email.startsWith(`${prefix}-`));
      const started = Date.now();
      const triggers = inLanes(runs, 8, async (i) => {
        const status = await rig.post('track', {
          userId: users[i],
          event: 'Wave Reminder',
          messageId: `${prefix}-trigger-${i}`,
        });
        if (status !== 200) throw new Error(`trigger ${users[i]}: HTTP ${status}`);
      });

      // SIGKILL at a random moment mid-wave: once 10–70 % of the round's mails have arrived.
      const killAfter = Math.ceil(runs * (0.1 + Math.random() * 0.6));
      await eventually(
        async () => mails().length,
        (n) => n >= killAfter,
        180_000,
        `${prefix}: wave under way`,
      );
      const victim = processes[killed];
      victim.child.kill('SIGKILL');
      await victim.exited;
      await triggers;

      // The other kind finishes the round alone, resends included.
      const survivor = killed === 'worker' ? 'all-in-one' : 'worker';
      const statuses = await eventually(
        async () => [...(await rig.runStatuses(wave.id))].filter(([customer]) => customers.has(customer)),
        (rows) => rows.length === runs && rows.every(([, status]) => status !== 'running'),
        sized(180_000, 600_000),
        `${prefix}: every run ended`,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${survivor} output:\n${processes[survivor].output()}`);
      });
      const seconds = Math.round((Date.now() - started) / 1000);
      processes[killed] = await start[killed]();
      await polling(killed);

      const byStep = new Map<string, Set<string>>();
      for (const mail of mails()) {
        const { email, step, messageId } = keyOf(mail);
        byStep.set(`${email}/${step}`, (byStep.get(`${email}/${step}`) ?? new Set()).add(messageId));
      }
      const copies = mails().length;
      const distinct = new Set(mails().map((mail) => keyOf(mail).messageId)).size;
      const ledger = await rig.database.db
        .select({ status: deliveries.status })
        .from(deliveries)
        .where(and(eq(deliveries.journeyId, wave.id), inArray(deliveries.customerId, [...customers])));
      const sent = ledger.filter((row) => row.status === 'sent').length;
      const unfinished = ledger.filter((row) => row.status === 'reserved' || row.status === 'sending');
      const twoIds = [...byStep].filter(([, ids]) => ids.size > 1).map(([key]) => key);

      await reportFigures(`worker wave round ${round + 1}`, {
        killed,
        'killed after mails': killAfter,
        runs,
        seconds,
        'runs completed': statuses.filter(([, status]) => status === 'completed').length,
        'copies at the peer': copies,
        'distinct Message-IDs': distinct,
        'ledger sent': sent,
        'resent with the same Message-ID': copies - distinct,
        duplicated: distinct - byStep.size, // second Message-IDs for one (customer, step)
        lost: runs - byStep.size,
      });

      expect(
        statuses.filter(([, status]) => status !== 'completed'),
        `${prefix}: runs not completed`,
      ).toEqual([]);
      expect(distinct, `${prefix}: distinct Message-IDs at the peer vs the ledger's sent rows`).toBe(sent);
      expect(sent, `${prefix}: one sent row per run`).toBe(runs);
      expect(byStep.size, `${prefix}: one message per (customer, step)`).toBe(runs);
      expect(twoIds, `${prefix}: a (customer, step) with a second Message-ID`).toEqual([]);
      expect(unfinished, `${prefix}: rows left reserved or sending`).toEqual([]);
      resent[killed] += copies - distinct;
    }
    // Kills hit the crash window: each kind had sends in flight (so it served the wave) that the
    // other kind resent. Without resends the Message-ID checks would prove nothing.
    expect(
      Math.min(resent['all-in-one'], resent.worker),
      `resends per killed kind ${JSON.stringify(resent)}`,
    ).toBeGreaterThan(0);
  }, 3_600_000);
});
