import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server on 127.0.0.1 that parses what it receives and keeps it (optionally also as
 * .eml files); it can be told to fail. The demo's mail catcher and the tests' SMTP peer.
 */
export interface SmtpCatcher {
  url: string;
  messages: ParsedMail[];
  /** The same messages as received on the wire (for signature checks). */
  raw: Buffer[];
  /** When each message's DATA ended (Date.now()), in arrival order: the rate a sender held, seen here. */
  arrivals: number[];
  /** When `raw[i]` (and, parsed, `messages[i]`) arrived: its DATA's end, index for index. */
  receivedAt: number[];
  /** SMTP connections opened to this server so far (a sender that keeps its connections opens few). */
  readonly connections: number;
  /** The next N messages get this SMTP reply code (e.g. 451 transient, 550 no such mailbox) and text. */
  failNext(count: number, code: number, text?: string): void;
  close(): Promise<void>;
}

export interface SmtpCatcherOptions {
  saveTo?: string;
  /** Default: a free one. */
  port?: number;
  /**
   * Keep each message, then wait this long before the final 250 (a server that scans before it
   * answers). A sender that dies meanwhile has handed a message it never saw accepted: the crash window.
   */
  replyDelayMs?: number;
  /** Close a connection idle this long (smtp-server's default: 60 s). */
  idleTimeoutMs?: number;
  /** False: keep the raw messages only, unparsed (`messages` stays empty), for load tests. */
  parse?: boolean;
}

export async function startSmtpCatcher(options: SmtpCatcherOptions = {}): Promise<SmtpCatcher> {
  const messages: ParsedMail[] = [];
  const raw: Buffer[] = [];
  const arrivals: number[] = [];
  const receivedAt: number[] = [];
  let failures: { count: number; code: number; text?: string } = { count: 0, code: 451 };
  let connections = 0;
  const server = new SMTPServer({
    authOptional: true,
    // Stopping should not wait 30 s for a client's idle connection.
    closeTimeout: 1_000,
    disabledCommands: ['STARTTLS'],
    logger: false,
    ...(options.idleTimeoutMs ? { socketTimeout: options.idleTimeoutMs } : {}),
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    onData(stream, _session, callback) {
      if (failures.count > 0) {
        failures.count--;
        return refuse(stream, failures, callback);
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const at = Date.now();
        arrivals.push(at);
        const message = Buffer.concat(chunks);
        if (options.parse === false) {
          raw.push(message);
          receivedAt.push(at);
          return callback();
        }
        simpleParser(message)
          .then(async (mail) => {
            raw.push(message);
            receivedAt.push(at);
            messages.push(mail);
            if (options.saveTo) await writeFile(path.join(options.saveTo, `${messages.length}.eml`), message);
            if (options.replyDelayMs)
              await new Promise((resolve) => setTimeout(resolve, options.replyDelayMs));
            callback();
          })
          .catch(callback);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  // A sender that drops its connection mid-transaction (killed while its 250 was held) is its own
  // failure: smtp-server re-emits that reset here, and with no listener it would crash this process.
  server.on('error', () => undefined);
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    raw,
    arrivals,
    receivedAt,
    get connections() {
      return connections;
    },
    failNext(count, code, text) {
      failures = { count, code, text };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Read the message and answer it with the failure's code instead of 250. */
function refuse(
  stream: NodeJS.ReadableStream,
  failure: { code: number; text?: string },
  callback: (error?: Error) => void,
): void {
  const { code, text } = failure;
  stream.resume();
  stream.on('end', () =>
    callback(Object.assign(new Error(text ?? 'try again later'), { responseCode: code })),
  );
}
