import type { ChildProcess } from 'node:child_process';

/** Waits for a child to exit, escalating to SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Keeps the last `limit` characters a stream wrote, for error messages. */
export function tailOf(child: ChildProcess, limit = 4000): () => string {
  let text = '';
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-limit);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text;
}

/** The first line a child writes that matches `pattern` (a crash's reason, which a tail loses), or ''. */
export function firstLineMatching(child: ChildProcess, pattern: RegExp): () => string {
  let found = '';
  const partial = { stdout: '', stderr: '' };
  const watch = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    if (found) return;
    const lines = (partial[stream] + chunk.toString()).split('\n');
    partial[stream] = (lines.pop() ?? '').slice(-4000);
    found = lines.find((line) => pattern.test(line)) ?? '';
  };
  child.stdout?.on('data', watch('stdout'));
  child.stderr?.on('data', watch('stderr'));
  return () => found || [partial.stdout, partial.stderr].find((line) => pattern.test(line)) || '';
}
