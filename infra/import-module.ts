import { pathToFileURL } from 'node:url';

let typeScript: Promise<void> | undefined;

/**
 * Imports a user's module by path. The compiled CLI runs plain Node, which cannot load a `.ts`
 * journey file: the first time one is refused, tsx's loader is registered (once) and the import
 * retried. Under tsx or vitest, `.ts` loads directly and tsx is never registered twice.
 */
export async function importModule(file: string): Promise<unknown> {
  const url = pathToFileURL(file).href;
  try {
    return await import(url);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    typeScript ??= import('tsx/esm/api').then(({ register }) => void register());
    await typeScript;
    // A fresh URL: the failed import stays cached under the first one.
    return import(`${url}?typescript`);
  }
}
