import { chromiumFlags, ensureChromium } from '../infra/chromium.js';
import { isUserError } from '../infra/user-error.js';

/** An email client's reading pane: wide enough for a 600 px email with margins. */
const viewport = { width: 800, height: 600 };
/** Remote images get this long to load; the page is shot with what arrived. */
const loadTimeoutMs = 15_000;

/**
 * A PNG of the email's HTML as headless Chromium draws it (Debian's chromium, found or installed by
 * `infra/chromium.ts`, driven by playwright-core), or why there is none: no browser here is not an
 * error for a preview, only a missing picture.
 */
export async function screenshotHtml(
  html: string,
  log: (line: string) => void = () => {},
): Promise<{ png: Buffer } | { unavailable: string }> {
  let executablePath: string;
  try {
    executablePath = await ensureChromium(log);
  } catch (error) {
    if (isUserError(error)) return { unavailable: error.toLine() };
    throw error;
  }
  // Loaded only here: playwright-core is large, and most previews of SMS or push never need it.
  const { chromium } = await import('playwright-core').catch(() => ({ chromium: undefined }));
  if (!chromium) return { unavailable: 'playwright-core is not installed' };
  const browser = await chromium.launch({ executablePath, args: [...chromiumFlags] });
  try {
    const page = await browser.newPage({ viewport, javaScriptEnabled: false });
    await page.setContent(html, { waitUntil: 'load', timeout: loadTimeoutMs }).catch(() => undefined);
    return { png: await page.screenshot({ fullPage: true, type: 'png' }) };
  } finally {
    await browser.close();
  }
}
