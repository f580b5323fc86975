import { createServer, type Socket } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * An SMTP server that accepts DATA, then withholds its final reply for `withholdMs` the first time
 * it sees a Message-ID (later copies are answered at once). It takes responsibility for a message
 * only when it sends that reply (RFC 5321 4.1.1.4): if the client hung up by then, the message is
 * dropped. `accepted` is what a mailbox would hold, with the time each was taken.
 */
export async function startWithholdingSmtpPeer(withholdMs: number) {
  const accepted: { messageId: string; at: number }[] = [];
  const seen = new Set<string>();
  let dropped = 0;
  let pending = 0;
  const closed = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    closeTimeout: 1_000,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onClose(session) {
      closed.add(session.id);
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          const messageId = mail.messageId ?? '';
          const first = !seen.has(messageId);
          seen.add(messageId);
          const reply = () => {
            if (first) pending--;
            if (closed.has(session.id)) dropped++;
            else accepted.push({ messageId, at: Date.now() });
            callback();
          };
          if (first) {
            pending++;
            setTimeout(reply, withholdMs);
          } else reply();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    accepted,
    dropped: () => dropped,
    /** Replies still withheld. */
    pending: () => pending,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A TCP server that accepts connections and never says a word: a black-hole provider. */
export async function startBlackHole() {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.resume(); // read (and ignore) what comes, so that the client's FIN is seen
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    openConnections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
