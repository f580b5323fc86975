import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { maskText } from './log-masking.js';
import { createLogger } from './logger.js';

/** The JSON lines a logger at `level` writes for `write(logger)`. */
function lines(level: string, write: (logger: ReturnType<typeof createLogger>) => void) {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  write(createLogger({ level, format: 'json' }, 'masking-test', stream));
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('log masking: contact data out, ids and hashes untouched', () => {
  it('masks phone numbers, written any usual way', () => {
    expect(maskText('sms to +15551234567')).toBe('sms to ***67');
    expect(maskText('sms to +1 (415) 555-2671.')).toBe('sms to ***71.');
    expect(maskText('Key (value)=(+15551234567) exists')).toBe('Key (value)=(***67) exists');
    expect(maskText('{"phone":"0612345678"}')).toBe('{"phone":"***78"}');
    expect(maskText('GET /admin/customers/phone:+15551234567')).toBe('GET /admin/customers/phone:***67');
    expect(maskText('GET /admin/customers/phone%3A%2B15551234567')).toBe(
      'GET /admin/customers/phone%3A***67',
    );
  });

  it('never masks a version hash, a digest, a UUID or a time as a phone number', () => {
    for (const kept of [
      'deployed version 3f9a2c1b7d4e',
      'deployed version 8714520936a1f0c2',
      'hashes 12345678abcd and abcd12345678',
      'sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'run 123e4567-e89b-12d3-a456-426614174000',
      'run 12345678-1234-4234-8234-123456789012',
      'at 2026-12-01T10:00:00.123Z',
      'dedup journey/abandoned-cart/5f2c/cart-20261201/reminder-1',
    ])
      expect(maskText(kept)).toBe(kept);
  });

  it('masks email addresses in any script, keeping the domain', () => {
    expect(maskText('mail to ann.secret@example.com')).toBe('mail to ***@example.com');
    expect(maskText('mail to jöe@exämple.com failed')).toBe('mail to ***@exämple.com failed');
    expect(maskText('<josé.garcía+promo@correo.es>')).toBe('<***@correo.es>');
  });
});

describe('the logger: errors an operator can read, credentials blanked by field', () => {
  const failure = () =>
    Object.assign(new Error('SMTP 550: <ann@example.com>: mailbox unavailable'), { code: 'EENVELOPE' });

  it('an activity failure (the SDK logs it under `error`) shows type, message and fields; the stack only at debug', () => {
    const [info] = lines('info', (logger) =>
      logger.warn({ error: failure(), durationMs: 12 }, 'Activity failed'),
    );
    expect(info?.error).toEqual({
      type: 'Error',
      message: 'SMTP 550: <***@example.com>: mailbox unavailable',
      code: 'EENVELOPE',
    });
    const [debug] = lines('debug', (logger) => logger.warn({ error: failure() }, 'Activity failed'));
    expect((debug?.error as { stack?: string }).stack).toMatch(
      /^Error: SMTP 550: <\*\*\*@example\.com>[^]*log-masking\.test/,
    );
  });

  it('an error as first argument goes under `err`, its cause with it', () => {
    const [line] = lines('info', (logger) =>
      logger.error(new Error('deliver failed', { cause: new TypeError('fetch failed') }), 'boom'),
    );
    expect(line?.err).toEqual({
      type: 'Error',
      message: 'deliver failed',
      cause: { type: 'TypeError', message: 'fetch failed' },
    });
    expect(line?.msg).toBe('boom');
  });

  it('blanks task tokens, passwords and authorization by field name', () => {
    const [line] = lines('info', (logger) =>
      logger.warn(
        {
          taskToken: 'CiQ3ZjE2YjE5Ny1hYmNkLTRlZjAtOTg3Ni0xMjM0NTY3ODlhYmMSBmRlbGl2ZXI=',
          activityId: '3',
          headers: { authorization: 'Bearer abc' },
          password: 'hunter2',
        },
        'Activity failed',
      ),
    );
    expect(line).toMatchObject({
      taskToken: '***',
      activityId: '3',
      headers: { authorization: '***' },
      password: '***',
    });
  });
});
