import { existsSync } from 'node:fs';
import { runProcess } from './run-process.js';
import { UserError } from './user-error.js';

/**
 * Headless Chromium for screenshots and browser tests: Debian's `chromium` package, installed
 * here with apt-get when running as root (as CI does), never a browser a tool downloads itself.
 * CHROMIUM_PATH points elsewhere.
 */

/** The flags a headless run needs here (without --disable-gpu, SVG screenshots time out). */
export const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
] as const;

const install = () =>
  runProcess('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
    timeoutMs: 600_000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });

/** The path of the chromium executable, installing Debian's package first when missing. */
export async function ensureChromium(log: (line: string) => void = () => {}): Promise<string> {
  const wanted = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(wanted)) return wanted;
  if (process.getuid?.() !== 0)
    throw new UserError(
      `${wanted} is missing`,
      "install Debian's chromium (sudo apt-get install chromium) or set CHROMIUM_PATH",
    );
  log('installing Debian chromium (apt-get install chromium)…');
  let installed = await install();
  if (installed.code !== 0) {
    // A fresh machine has no package lists yet.
    await runProcess('apt-get', ['update'], { timeoutMs: 600_000 });
    installed = await install();
  }
  if (installed.code !== 0)
    throw new UserError(
      `apt-get could not install chromium: ${installed.stderr.trim().split('\n').at(-1) ?? ''}`,
      'install it by hand (apt-get install chromium) or set CHROMIUM_PATH',
    );
  if (!existsSync(wanted))
    throw new UserError(
      `${wanted} is missing although Debian's chromium is installed`,
      'set CHROMIUM_PATH to the chromium executable, or unset it for /usr/bin/chromium',
    );
  return wanted;
}
