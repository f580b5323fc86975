/**
 * What keeping SMTP connections open between messages saves: the email adapter (kept connections,
 * one message on a connection at a time) against a nodemailer transport opened per message (what
 * the adapter did before), both sending to a local `smtp-server` in this process, so the CPU figure
 * covers both sides of the conversation.
 *
 *   npx tsx scripts/measure-smtp.ts [--messages 2000] [--senders 16]
 */
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { createEmailAdapter } from '../delivery/channels/email.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '2000' },
    senders: { type: 'string', default: '16' },
  },
});
const messages = Number(values.messages);
const senders = Number(values.senders);

const server = new SMTPServer({
  authOptional: true,
  // The adapter's idle connections stay open: closing should not wait 30 s for them.
  closeTimeout: 1_000,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _session, callback) {
    stream.resume();
    stream.on('end', () => callback());
  },
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const address = server.server.address();
const url = `smtp://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
const html = '<p>We miss you. Come back for 10 % off.</p>'.repeat(60);

async function measure(name: string, send: (i: number) => Promise<unknown>) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (next < messages) await send(next++);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000 / messages;
  process.stdout.write(
    `${name}: ${messages} messages, ${senders} senders: ${Math.round(messages / seconds)} messages/s, ${cpuMs.toFixed(2)} CPU ms/message (both sides)\n`,
  );
}

await measure('a connection per message', async (i) => {
  const transport = nodemailer.createTransport({ url });
  try {
    await transport.sendMail({ from: 'shop@shop.test', to: `c${i}@example.test`, subject: 'Hi', html });
  } finally {
    transport.close();
  }
});
const adapter = createEmailAdapter({ smtpUrl: url, from: 'shop@shop.test', messageIdDomain: 'shop.test' });
await measure('kept connections (the email adapter)', (i) =>
  adapter.send({
    message: { channel: 'email', subject: 'Hi', html, text: 'We miss you.' },
    recipient: { channel: 'email', email: `c${i}@example.test` },
    idempotencyKey: `measure-smtp:${i}`,
    category: 'transactional',
    unsubscribeUrl: undefined,
  }),
);
await new Promise<void>((resolve) => server.close(() => resolve()));
