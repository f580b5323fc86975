import { debianProgramPath, ensureDebianProgram, type DebianProgram } from './debian-package.js';

/**
 * Headless Chromium for screenshots and browser tests: Debian's `chromium` package, installed
 * here with apt-get when running as root (as CI does), never a browser a tool downloads itself.
 * CHROMIUM_PATH points elsewhere.
 */
export const chromiumProgram: DebianProgram = {
  package: 'chromium',
  executable: '/usr/bin/chromium',
  override: 'CHROMIUM_PATH',
};

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

/** The path of the chromium executable, installing Debian's package first when missing. */
export const ensureChromium = (log?: (line: string) => void): Promise<string> =>
  ensureDebianProgram(chromiumProgram, log);

/** The chromium executable if it is there now (nothing installed). */
export const chromiumPath = (): string | undefined => debianProgramPath(chromiumProgram);
