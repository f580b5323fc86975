import { createECDH, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
// @ts-expect-error http_ece ships no types; it is web-push's own encryption library.
import ece from 'http_ece';
import { runProcess } from '../infra/run-process.js';
import { UserError } from '../infra/user-error.js';

/**
 * An HTTPS push service on 127.0.0.1 with a self-signed certificate (made by `openssl`). It holds
 * the private keys of the subscriptions it issued and decrypts what web-push sends (aes128gcm),
 * like a browser would: the demo's push sink and the tests' push peer.
 */
export interface PushService {
  url: string;
  agent: https.Agent;
  subscribe(): { endpoint: string; keys: { p256dh: string; auth: string } };
  /** Decrypted payloads per endpoint, with the headers that came with them. */
  received: { endpoint: string; payload: unknown; headers: Record<string, string | undefined> }[];
  /** Endpoints that answer 410 Gone (the browser dropped the subscription). */
  gone: Set<string>;
  close(): Promise<void>;
}

/** A throwaway self-signed certificate for 127.0.0.1 (web-push always speaks HTTPS). */
async function selfSignedCertificate(): Promise<{ key: Buffer; cert: Buffer }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'omnijourney-push-'));
  const made = await runProcess(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ],
    { timeoutMs: 30_000 },
  );
  if (made.code !== 0)
    throw new UserError(
      `openssl could not make the push service's certificate: ${made.stderr.trim().split('\n')[0] ?? made.code}`,
      'install openssl (apt-get install openssl)',
    );
  const [key, cert] = await Promise.all([
    readFile(path.join(dir, 'key.pem')),
    readFile(path.join(dir, 'cert.pem')),
  ]);
  // Both are in memory now: the files need not outlive this call.
  await rm(dir, { recursive: true, force: true });
  return { key, cert };
}

export async function startPushService(): Promise<PushService> {
  const { key, cert } = await selfSignedCertificate();
  const keys = new Map<string, { ecdh: ReturnType<typeof createECDH>; auth: Buffer }>();
  const received: PushService['received'] = [];
  const gone = new Set<string>();
  const server = https.createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const endpoint = `https://127.0.0.1:${port}${req.url}`;
      const subscription = keys.get(endpoint);
      if (!subscription || gone.has(endpoint)) {
        res.writeHead(subscription ? 410 : 404).end();
        return;
      }
      if (!String(req.headers.authorization ?? '').startsWith('vapid t=')) {
        res.writeHead(401).end('missing VAPID authorization');
        return;
      }
      const plaintext: Buffer = ece.decrypt(Buffer.concat(chunks), {
        version: 'aes128gcm',
        privateKey: subscription.ecdh,
        authSecret: subscription.auth,
      });
      received.push({
        endpoint,
        payload: JSON.parse(plaintext.toString('utf8')),
        headers: {
          ttl: req.headers.ttl as string,
          urgency: req.headers.urgency as string,
          topic: req.headers.topic as string,
        },
      });
      res.writeHead(201, { location: `${endpoint}/messages/${received.length}` }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `https://127.0.0.1:${port}`,
    agent: new https.Agent({ ca: cert }),
    subscribe() {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      const endpoint = `https://127.0.0.1:${port}/push/${randomBytes(8).toString('hex')}`;
      keys.set(endpoint, { ecdh, auth });
      return {
        endpoint,
        keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
      };
    },
    received,
    gone,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
