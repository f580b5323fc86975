import { connect, type Socket } from 'node:net';
import nodemailer, { type Transporter } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';

type SocketTarget = { host?: string; port?: number; secure?: boolean };
type SocketCallback = (error: Error | null, options?: { connection: Socket }) => void;

/**
 * SMTP connections kept open between messages: no TCP handshake, greeting, EHLO and QUIT per
 * message (a third of the CPU per message on both sides, three times the rate from one process:
 * RELIABILITY.md, issue 20). Still one message on a connection at a time, the connection owned by
 * that message while it is sent: a message cut off (its deadline, the activity's cancellation)
 * destroys its own connection before the server's final reply (RFC 5321 4.1.1.4), which is then
 * never reused, and the message is never requeued on another connection.
 */
export interface SmtpConnections {
  send(mail: Mail.Options, signal?: AbortSignal): Promise<SMTPPool.SentMessageInfo>;
  /** Close the idle connections (the ones in use close when their message is done). */
  close(): void;
}

interface Connection {
  transport: Transporter<SMTPPool.SentMessageInfo>;
  socket?: Socket;
  /** The message's signal while one is sent: a socket opened after it aborted is destroyed at once. */
  signal?: AbortSignal;
  idleSince: number;
}

/** Idle connections kept at most; more are closed as their message is done. */
const defaultMaxIdle = 32;
/**
 * How long an idle connection is reused: far below the 5 minutes RFC 5321 (4.5.3.2.7) asks servers
 * to wait, so a server seldom closes one under a new message (that message then fails as transient
 * and is retried, never resent by the pool).
 */
const defaultIdleMs = 5_000;

export function smtpConnections(options: {
  transport: Omit<SMTPPool.Options, 'pool' | 'getSocket'>;
  /** Bound on connecting (the TCP connection; the greeting is bounded by the transport's options). */
  connectMs: number;
  maxIdle?: number;
  idleMs?: number;
}): SmtpConnections {
  const { maxIdle = defaultMaxIdle, idleMs = defaultIdleMs } = options;
  const idle: Connection[] = [];

  const open = (): Connection => {
    const connection: Connection = { transport: undefined as never, idleSince: 0 };
    connection.transport = nodemailer.createTransport({
      ...options.transport,
      pool: true,
      maxConnections: 1,
      // A connection that closes under a message fails the message: a requeue could send it twice.
      maxRequeues: 0,
      getSocket: (target: SocketTarget, callback: SocketCallback) => {
        connection.socket = openSocket(target, options.connectMs, callback);
        if (connection.signal?.aborted) connection.socket.destroy();
      },
    } as SMTPPool.Options);
    return connection;
  };
  // close() first, so the pool fails the message in flight instead of requeueing it; then the socket
  // goes at once, before any reply.
  const drop = (connection: Connection) => {
    connection.transport.close();
    connection.socket?.destroy();
  };
  const take = (): Connection => {
    for (let connection = idle.pop(); connection; connection = idle.pop()) {
      if (Date.now() - connection.idleSince <= idleMs) {
        connection.socket?.ref();
        return connection;
      }
      drop(connection);
    }
    return open();
  };

  return {
    async send(mail, signal) {
      const connection = take();
      connection.signal = signal;
      const abort = () => drop(connection);
      signal?.addEventListener('abort', abort, { once: true });
      let reusable = false;
      try {
        const info = await connection.transport.sendMail(mail);
        reusable = true;
        return info;
      } finally {
        signal?.removeEventListener('abort', abort);
        connection.signal = undefined;
        if (reusable && !signal?.aborted && idle.length < maxIdle) {
          connection.idleSince = Date.now();
          // An idle connection does not keep the process alive.
          connection.socket?.unref();
          idle.push(connection);
        } else drop(connection);
      }
    },
    close() {
      for (const connection of idle.splice(0)) drop(connection);
    },
  };
}

/** A TCP connection to the SMTP server, handed to nodemailer once connected (or failed in `connectMs`). */
function openSocket(target: SocketTarget, connectMs: number, callback: SocketCallback) {
  // nodemailer's defaults when the URL names no port or host.
  const socket = connect(target.port ?? (target.secure ? 465 : 587), target.host ?? 'localhost');
  let settled = false;
  const settle = (error: Error | null) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    socket.off('error', settle);
    if (error) {
      socket.destroy();
      callback(error);
    } else callback(null, { connection: socket });
  };
  const timer = setTimeout(() => settle(new Error(`connection timeout after ${connectMs} ms`)), connectMs);
  socket.once('connect', () => settle(null));
  socket.once('error', settle);
  socket.once('close', () => settle(new Error('connection closed')));
  return socket;
}
