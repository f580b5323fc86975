import { PNG } from 'pngjs';
import { expect } from 'vitest';

/** A PNG of a rendered page: real pixels, not one flat colour. */
export function expectRenderedPng(png: Buffer): void {
  const image = PNG.sync.read(png);
  expect(image.width * image.height).toBeGreaterThan(0);
  const first = image.data.readUInt32BE(0);
  let differ = 0;
  for (let i = 0; i < image.data.length; i += 4) if (image.data.readUInt32BE(i) !== first) differ++;
  expect(differ).toBeGreaterThan(0);
}
