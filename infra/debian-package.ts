import { existsSync } from 'node:fs';
import { runProcess } from './run-process.js';
import { UserError } from './user-error.js';

/**
 * A program from a Debian package (chromium, rsvg-convert): used where it is, installed with
 * apt-get when missing and running as root (as CI does), else a plain error saying how to get it.
 * Never a binary a tool downloads for itself.
 */
export interface DebianProgram {
  /** The Debian package that ships it, e.g. `librsvg2-bin`. */
  package: string;
  /** Where the package puts the executable, e.g. `/usr/bin/rsvg-convert`. */
  executable: string;
  /** An environment variable naming another executable, e.g. CHROMIUM_PATH. */
  override?: string;
}

const install = (name: string) =>
  runProcess('apt-get', ['install', '-y', '--no-install-recommends', name], {
    timeoutMs: 600_000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });

const orSet = (program: DebianProgram) => (program.override ? ` or set ${program.override}` : '');

/** Whether the program is there now, without installing anything. */
export function debianProgramPath(program: DebianProgram): string | undefined {
  const wanted = (program.override && process.env[program.override]) || program.executable;
  return existsSync(wanted) ? wanted : undefined;
}

/** The path of the program's executable, installing its Debian package first when missing. */
export async function ensureDebianProgram(
  program: DebianProgram,
  log: (line: string) => void = () => {},
): Promise<string> {
  const wanted = (program.override && process.env[program.override]) || program.executable;
  if (existsSync(wanted)) return wanted;
  if (process.getuid?.() !== 0)
    throw new UserError(
      `${wanted} is missing`,
      `install Debian's ${program.package} (sudo apt-get install ${program.package})${orSet(program)}`,
    );
  log(`installing Debian ${program.package} (apt-get install ${program.package})…`);
  let installed = await install(program.package);
  if (installed.code !== 0) {
    // A fresh machine has no package lists yet.
    await runProcess('apt-get', ['update'], { timeoutMs: 600_000 });
    installed = await install(program.package);
  }
  if (installed.code !== 0)
    throw new UserError(
      `apt-get could not install ${program.package}: ${installed.stderr.trim().split('\n').at(-1) ?? ''}`,
      `install it by hand (apt-get install ${program.package})${orSet(program)}`,
    );
  if (!existsSync(wanted))
    throw new UserError(
      `${wanted} is missing although Debian's ${program.package} is installed`,
      program.override
        ? `set ${program.override} to the executable, or unset it for ${program.executable}`
        : `reinstall it (apt-get install --reinstall ${program.package})`,
    );
  return wanted;
}
