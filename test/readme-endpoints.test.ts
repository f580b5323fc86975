import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { endpointMarkers, endpointTable, type EndpointDocument } from '../api/endpoint-table.js';
import { useApiWithDatabase } from './helpers/api.js';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));

/**
 * Issue 17: the README's endpoint table is the OpenAPI document's, rendered. With
 * UPDATE_ENDPOINTS=1 (`npm run docs:endpoints`) this rewrites it instead of failing.
 */
const context = useApiWithDatabase();

it('README lists exactly the endpoints /openapi.json describes', async () => {
  const document = (await (await fetch(`${context.api.url}/openapi.json`)).json()) as EndpointDocument;
  const readme = await readFile(readmePath, 'utf8');
  const start = readme.indexOf(endpointMarkers.start);
  const end = readme.indexOf(endpointMarkers.end);
  expect(start, 'README has the endpoint table markers').toBeGreaterThan(0);
  expect(end).toBeGreaterThan(start);
  const current = readme.slice(start + endpointMarkers.start.length, end).trim();
  const wanted = endpointTable(document);
  if (process.env.UPDATE_ENDPOINTS === '1' && current !== wanted) {
    const next = `${readme.slice(0, start + endpointMarkers.start.length)}\n\n${wanted}\n\n${readme.slice(end)}`;
    await writeFile(readmePath, next);
    return;
  }
  // Compared without table padding (prettier re-pads the README).
  const cells = (table: string) =>
    table.split('\n').map((line) =>
      line
        .split('|')
        .map((cell) => cell.trim().replace(/^-+$/, '---'))
        .join('|'),
    );
  expect(cells(current), 'README endpoint table out of date: run `npm run docs:endpoints`').toEqual(
    cells(wanted),
  );
  expect(wanted.split('\n').length).toBeGreaterThan(30);
});
