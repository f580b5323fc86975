import http from 'node:http';
import { randomBytes } from 'node:crypto';

/**
 * A loopback HTTP peer speaking Twilio's Messages API (POST …/Messages.json, Basic auth with the
 * account SID and auth token): the demo's SMS sink, and the tests' Twilio peer, which passes
 * `checkRequest` to hold every request to Twilio's OpenAPI description.
 */
export interface TwilioSink {
  url: string;
  accountSid: string;
  authToken: string;
  messages: Record<string, string>[];
  contractViolations: string[];
  optedOut: Set<string>;
  failNext(count: number, status: number): void;
  /** Create the next `count` messages but answer each only after `ms` (a provider that hangs). */
  holdNext(count: number, ms: number): void;
  close(): Promise<void>;
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startTwilioSink(
  options: {
    /** Contract problems of a request's form parameters; any → 400 as Twilio would answer. */
    checkRequest?: (params: Record<string, string>) => string[];
    /** Called with each accepted message. */
    onMessage?: (params: Record<string, string>) => void;
  } = {},
): Promise<TwilioSink> {
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  const messages: Record<string, string>[] = [];
  const contractViolations: string[] = [];
  const optedOut = new Set<string>();
  let failures = { count: 0, status: 503 };
  const holds = heldReplies();
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
      if (req.headers.authorization !== expectedAuth)
        return reply(res, 401, { code: 20003, message: 'Authenticate', status: 401 });
      if (req.method !== 'POST' || req.url !== `/2010-04-01/Accounts/${accountSid}/Messages.json`) {
        contractViolations.push(`${req.method} ${req.url}`);
        return reply(res, 404, { code: 20404, message: 'not found', status: 404 });
      }
      const params = Object.fromEntries(new URLSearchParams(raw));
      const problems = options.checkRequest?.(params) ?? [];
      if (!params.To) problems.push('missing: To');
      if (problems.length > 0) {
        contractViolations.push(problems.join('; '));
        return reply(res, 400, { code: 21604, message: `bad request: ${problems.join('; ')}`, status: 400 });
      }
      if (failures.count > 0) {
        failures.count--;
        return reply(res, failures.status, {
          code: 20500,
          message: 'Internal Server Error',
          status: failures.status,
        });
      }
      if (optedOut.has(params.To ?? '')) {
        return reply(res, 400, {
          code: 21610,
          message: 'Attempt to send to unsubscribed recipient',
          status: 400,
        });
      }
      messages.push(params);
      options.onMessage?.(params);
      return holds.answer(() => reply(res, 201, queuedMessage(accountSid, params)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    messages,
    contractViolations,
    optedOut,
    failNext(count, status) {
      failures = { count, status };
    },
    holdNext: holds.holdNext,
    close: () =>
      new Promise<void>((resolve) => {
        holds.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Answers sent at once, or (the next `count` after `holdNext`) only after `ms`: a provider that hangs. */
function heldReplies() {
  let holds = { count: 0, ms: 0 };
  const timers = new Set<NodeJS.Timeout>();
  return {
    holdNext(count: number, ms: number) {
      holds = { count, ms };
    },
    answer(send: () => void) {
      if (holds.count <= 0) return send();
      holds.count--;
      const timer = setTimeout(() => {
        timers.delete(timer);
        send();
      }, holds.ms);
      timers.add(timer);
    },
    clear() {
      for (const timer of timers) clearTimeout(timer);
    },
  };
}

/** Twilio's answer to an accepted message (the Message resource, status queued). */
function queuedMessage(accountSid: string, params: Record<string, string>) {
  return {
    sid: `SM${randomBytes(16).toString('hex')}`,
    account_sid: accountSid,
    to: params.To,
    from: params.From ?? null,
    body: params.Body,
    status: 'queued',
  };
}
