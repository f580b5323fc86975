import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkJourney } from '../catalog/journey-catalog.js';
import { rsvgProgram, writeDiagramPng } from '../catalog/journey-diagram-png.js';
import { journeyDiagram } from '../catalog/journey-diagram.js';
import { ensureDebianProgram } from '../infra/debian-package.js';
import { builtInJourneys } from '../journeys/index.js';
import { launchChromium } from './helpers/browser.js';

/** What a label would show if Mermaid syntax leaked into it instead of being drawn. */
const rawSyntax = /\[\[|\]\]|\(\[|\]\)|\{\{|\}\}|\/"|"\/|#quot;|#lt;|<br|^"|"$|:::|-->/;

const diagrams = builtInJourneys.map((input) => {
  const { definition } = checkJourney(input, input.id);
  return { id: definition.id, ...journeyDiagram(definition) };
});

/** Each node's fill and a point inside it clear of its label (rect and circle shapes). */
function nodeSamples(svg: string): { id: string; fill: string; x: number; y: number }[] {
  const samples = [];
  const node = /<g class="node" data-id="([^"]+)"[^>]*>\s*<(rect|circle) ([^>]*)\/>/g;
  for (const [, id = '', shape, attributes = ''] of svg.matchAll(node)) {
    const number = (name: string) => Number(new RegExp(` ${name}="([-\\d.]+)"`).exec(` ${attributes}`)?.[1]);
    const fill = / fill="([^"]+)"/.exec(attributes)?.[1] ?? '';
    // Just inside the top edge, in the middle: inside the shape, above the centred label.
    if (shape === 'rect')
      samples.push({ id, fill, x: number('x') + number('width') / 2, y: number('y') + 4 });
    else samples.push({ id, fill, x: number('cx'), y: number('cy') - number('r') + 6 });
  }
  return samples;
}

const rgbOf = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

/** Each rect or circle node drawn in its own fill (not black) at a point inside it. */
function expectNodesPainted(id: string, svg: string, png: PNG): void {
  const pixel = (x: number, y: number) => {
    const at = (Math.round(y) * png.width + Math.round(x)) * 4;
    return [png.data[at] ?? 0, png.data[at + 1] ?? 0, png.data[at + 2] ?? 0];
  };
  const samples = nodeSamples(svg);
  expect(samples.length, id).toBeGreaterThan(3);
  for (const sample of samples) {
    const [r, g, b] = pixel(sample.x, sample.y);
    const wanted = rgbOf(sample.fill);
    const drawn = `${id}/${sample.id} at ${sample.x},${sample.y}: rgb(${r}, ${g}, ${b}), fill ${sample.fill}`;
    expect((r ?? 0) + (g ?? 0) + (b ?? 0), drawn).toBeGreaterThan(300);
    expect(sample.fill, drawn).toMatch(/^#[0-9a-f]{6}$/i);
    expect(Math.max(...[r, g, b].map((c, i) => Math.abs((c ?? 0) - (wanted[i] ?? 0)))), drawn).toBeLessThan(
      8,
    );
  }
}

describe('journey diagrams render anywhere (issue 19)', () => {
  let folder: string;
  let browser: Browser;
  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'omnijourney-diagrams-'));
    // rsvg-convert is what image viewers and converters draw SVG with: no CSS variables, no color-mix.
    await ensureDebianProgram(rsvgProgram, (line) => process.stderr.write(`${line}\n`));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('rsvg-convert draws every built-in journey with its node colours, none black', async () => {
    for (const { id, svg } of diagrams) {
      const file = path.join(folder, `${id}.png`);
      expect(await writeDiagramPng(svg, file)).toBe('rsvg-convert');
      const png = PNG.sync.read(await readFile(file));
      expectNodesPainted(id, svg, png);
      // Black paint is text and arrowheads only, never whole shapes.
      let dark = 0;
      for (let i = 0; i < png.data.length; i += 4)
        if ((png.data[i] ?? 0) + (png.data[i + 1] ?? 0) + (png.data[i + 2] ?? 0) < 60) dark++;
      expect(dark / (png.width * png.height), id).toBeLessThan(0.02);
    }
  });

  it('without rsvg-convert, headless Chromium draws the PNG, and says so', async () => {
    const { id, svg } = diagrams[0]!;
    const file = path.join(folder, `${id}-chromium.png`);
    const missing = { package: 'librsvg2-bin', executable: path.join(folder, 'no-rsvg-convert') };
    expect(await writeDiagramPng(svg, file, undefined, missing)).toBe('chromium');
    expectNodesPainted(id, svg, PNG.sync.read(await readFile(file)));
  });

  it('Chromium shows plain labels and painted nodes; exits and goal hang off the graph', async () => {
    const page = await browser.newPage();
    try {
      for (const { id, svg, mermaid } of diagrams) {
        await page.setContent(`<!doctype html><body style="margin:0">${svg}</body>`);
        const texts = await page.$$eval('svg text', (nodes) => nodes.map((n) => n.textContent ?? ''));
        expect(texts.length, id).toBeGreaterThan(3);
        expect(
          texts.filter((text) => rawSyntax.test(text.trim())),
          id,
        ).toEqual([]);
        // Evaluated as text: the project's types have no DOM.
        const fills = (await page.evaluate(
          '[...document.querySelectorAll("g.node > :first-child")].map((shape) => getComputedStyle(shape).fill)',
        )) as string[];
        expect(
          fills.filter((fill) => fill === 'rgb(0, 0, 0)' || fill === 'none'),
          id,
        ).toEqual([]);
        // Every node but the legend's is on an edge: exits and goal included.
        const edged = new Set([...svg.matchAll(/data-(?:from|to)="([^"]+)"/g)].map((m) => m[1]));
        const nodes = [...svg.matchAll(/<g class="node" data-id="([^"]+)"/g)].map((m) => m[1] ?? '');
        expect(
          nodes.filter((node) => !node.startsWith('legend_') && !edged.has(node)),
          id,
        ).toEqual([]);
        if (/^\s+exit0/m.test(mermaid)) expect(edged.has('exit0'), id).toBe(true);
      }
    } finally {
      await page.close();
    }
  });
});
