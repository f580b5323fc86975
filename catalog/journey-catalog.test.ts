import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import abandonedCart from '../journeys/abandoned-cart.js';
import { checkJourney, InvalidJourneyError, loadJourneyFile } from './journey-catalog.js';
import { UserError } from '../infra/user-error.js';

describe('journey definitions from JSON and YAML files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'omnijourney-journeys-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('loads the same definition from TypeScript, JSON and YAML, with the same version', async () => {
    await writeFile(path.join(dir, 'cart.json'), JSON.stringify(abandonedCart));
    await writeFile(path.join(dir, 'cart.yaml'), stringify(abandonedCart));
    const fromTs = checkJourney(abandonedCart, 'journeys/abandoned-cart.ts');
    const fromJson = await loadJourneyFile(path.join(dir, 'cart.json'));
    const fromYaml = await loadJourneyFile(path.join(dir, 'cart.yaml'));
    expect(fromJson.version).toBe(fromTs.version);
    expect(fromYaml.version).toBe(fromTs.version);
    expect(fromYaml.definition).toEqual(fromTs.definition);
  });

  it('refuses a bad file with one line listing each problem and its path, never a stack trace', async () => {
    const file = path.join(dir, 'bad.yaml');
    await writeFile(
      file,
      stringify({
        ...abandonedCart,
        steps: [
          { id: 'w', type: 'wait', duration: '-2h', next: 'ghost' },
          { id: 's', type: 'send', template: 'nope', channels: ['email'], intentKey: 'k' },
        ],
      }),
    );
    const error = await loadJourneyFile(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidJourneyError);
    const line = (error as UserError).toLine();
    expect(line).toMatch(/line \d+, column \d+: steps\[0\]\.duration \(step "w"\): is not a duration/);
    expect(line).not.toContain('\n');
    expect(line).not.toMatch(/\bat .+:\d+:\d+/);

    await writeFile(path.join(dir, 'broken.yaml'), 'id: [unclosed');
    const broken = await loadJourneyFile(path.join(dir, 'broken.yaml')).catch((e: unknown) => e);
    expect(broken).toBeInstanceOf(UserError);
    expect((broken as UserError).toLine()).toMatch(/broken\.yaml is not valid yaml/);
    const missing = await loadJourneyFile(path.join(dir, 'missing.json')).catch((e: unknown) => e);
    expect((missing as UserError).toLine()).toContain('cannot read');
  });
});
