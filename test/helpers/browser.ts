import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { projectRoot } from '../../config/config.js';
import { chromiumFlags, ensureChromium } from '../../infra/chromium.js';
import { isUserError } from '../../infra/user-error.js';

/**
 * Real headless Chromium (Debian's package, installed when missing and running as root). A machine
 * that cannot have it fails here with the reason: a browser test never skips silently.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = await ensureChromium((line) => process.stderr.write(`${line}\n`)).catch(
    (error: unknown) => {
      throw new Error(
        `the browser tests need Chromium: ${isUserError(error) ? error.toLine() : String(error)}`,
      );
    },
  );
  return chromium.launch({ executablePath, args: [...chromiumFlags] });
}

/** `@segment/analytics-next` bundled for a page, as a shop's build would: `window.AnalyticsBrowser`. */
export async function bundleAnalyticsNext(): Promise<string> {
  const result = await build({
    stdin: {
      contents:
        "import { AnalyticsBrowser } from '@segment/analytics-next'; window.AnalyticsBrowser = AnalyticsBrowser;",
      resolveDir: projectRoot,
      loader: 'js',
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    write: false,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const [file] = result.outputFiles;
  if (!file) throw new Error('esbuild produced no bundle');
  return file.text;
}

export interface PageServer {
  /** `http://127.0.0.1:PORT`: a web origin of its own, unlike the API's port. */
  origin: string;
  /** Path → page; filled in after start (a page may name the API, which needs this origin first). */
  pages: Map<string, { type: string; body: string }>;
  close(): Promise<void>;
}

/** A static web server on 127.0.0.1 and a free port: a shop's pages. */
export async function startPageServer(): Promise<PageServer> {
  const pages = new Map<string, { type: string; body: string }>();
  const server = createServer((request, response) => {
    const page = pages.get((request.url ?? '/').split('?')[0] ?? '/');
    if (!page) return void response.writeHead(404).end('not found');
    response.writeHead(200, { 'content-type': page.type, 'cache-control': 'no-store' }).end(page.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    pages,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const html = (body: string) => ({ type: 'text/html; charset=utf-8', body });
export const javascript = (body: string) => ({ type: 'text/javascript; charset=utf-8', body });
