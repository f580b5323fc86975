import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const above = fileURLToPath(new URL('..', import.meta.url));
const manifest = path.join(above, 'build-manifest.json');

/**
 * The folder holding package.json, whatever the current directory, whether this runs from the
 * sources or from the compiled build (dist/, whose manifest names the sources' folder). Files
 * that are not compiled (package.json, db/migrations, workflow sources for the bundler) are
 * found from here, never relative to the running module.
 */
export const projectRoot: string = existsSync(manifest)
  ? (JSON.parse(readFileSync(manifest, 'utf8')) as { root: string }).root
  : above;

/** The version in package.json. */
export function packageInfo(): { name: string; version: string; description: string } {
  return JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    description: string;
  };
}
