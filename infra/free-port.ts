import net from 'node:net';

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}

/** True when something already listens on 127.0.0.1:port. */
function isPortTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

/** The wanted port if it is free, else (when allowed) any free port. */
export async function choosePort(wanted: number, fallBackWhenTaken: boolean): Promise<number> {
  if (wanted === 0) return freePort();
  if (!(await isPortTaken(wanted))) return wanted;
  if (fallBackWhenTaken) return freePort();
  return wanted;
}
