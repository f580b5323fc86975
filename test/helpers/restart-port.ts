import net from 'node:net';

/** Below Linux's ephemeral range (32768–60999 here), so no outgoing connection is given these ports. */
const low = 20_000;
const high = 30_000;
/** The dev server also binds the ports just above its frontend port (its internal services). */
const span = 20;

const listenable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/**
 * A port for a server a test kills and starts again on the same port (`start` after `kill -9`).
 * `freePort()` hands out ports of the ephemeral range: between the kill and the restart any
 * process's outgoing connection may take one of them (or of the ports above it that the dev server
 * binds too), and the restart fails with "address already in use". These come from below that
 * range, `span` free ports in a row (not the rows of `apartFrom`, picked but not bound yet).
 */
export async function restartablePort(apartFrom: number[] = []): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = low + span * Math.floor(Math.random() * ((high - low) / span));
    if (apartFrom.includes(base)) continue;
    const ports = Array.from({ length: span }, (_, i) => base + i);
    if ((await Promise.all(ports.map(listenable))).every(Boolean)) return base;
  }
  throw new Error(`no ${span} free ports in a row between ${low} and ${high}`);
}
