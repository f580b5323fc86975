import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromiumFlags, chromiumPath } from '../infra/chromium.js';
import { debianProgramPath, ensureDebianProgram, type DebianProgram } from '../infra/debian-package.js';
import { runProcess } from '../infra/run-process.js';
import { UserError } from '../infra/user-error.js';

/** rsvg-convert (librsvg): draws SVG as image viewers and document converters do, without a browser. */
export const rsvgProgram: DebianProgram = { package: 'librsvg2-bin', executable: '/usr/bin/rsvg-convert' };

export type PngRenderer = 'rsvg-convert' | 'chromium';

/** The SVG's own size, which the screenshot takes (Chromium needs a window size). */
function sizeOf(svg: string): { width: number; height: number } {
  const number = (name: string) =>
    Math.ceil(Number(new RegExp(`<svg[^>]* ${name}="([\\d.]+)"`).exec(svg)?.[1] ?? 800));
  return { width: number('width'), height: number('height') };
}

/**
 * Writes the diagram as a PNG: with rsvg-convert (a renderer without a browser) when it is there,
 * else with headless Chromium when that is, else rsvg-convert installed from Debian (as root).
 * Says which one drew it.
 */
export async function writeDiagramPng(
  svg: string,
  out: string,
  log: (line: string) => void = () => {},
  rsvgConvert: DebianProgram = rsvgProgram,
): Promise<PngRenderer> {
  const folder = await mkdtemp(path.join(tmpdir(), 'omnijourney-diagram-'));
  try {
    const input = path.join(folder, 'diagram.svg');
    await writeFile(input, svg);
    const rsvg = debianProgramPath(rsvgConvert);
    const browser = rsvg ? undefined : chromiumPath();
    const program = rsvg ?? browser ?? (await ensureDebianProgram(rsvgConvert, log));
    const useRsvg = program !== browser;
    const { width, height } = sizeOf(svg);
    const result = useRsvg
      ? await runProcess(program, ['--format', 'png', '--output', path.resolve(out), input], {
          timeoutMs: 60_000,
        })
      : await runProcess(
          program,
          [
            ...chromiumFlags,
            '--hide-scrollbars',
            `--window-size=${width},${height}`,
            `--screenshot=${path.resolve(out)}`,
            input,
          ],
          { timeoutMs: 120_000 },
        );
    if (result.code !== 0)
      throw new UserError(
        `cannot write ${out}: ${useRsvg ? 'rsvg-convert' : 'chromium'} failed (${result.stderr.trim().split('\n').at(-1) ?? `exit ${result.code}`})`,
      );
    return useRsvg ? 'rsvg-convert' : 'chromium';
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
