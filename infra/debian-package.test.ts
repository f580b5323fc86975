import { afterEach, describe, expect, it } from 'vitest';
import { debianProgramPath, ensureDebianProgram } from './debian-package.js';

describe('programs from Debian packages', () => {
  const program = { package: 'no-such-package', executable: '/nonexistent/tool', override: 'OMNI_TEST_TOOL' };
  afterEach(() => {
    delete process.env.OMNI_TEST_TOOL;
  });

  it('uses the executable the override names, else the package path, when it is there', async () => {
    expect(debianProgramPath(program)).toBeUndefined();
    process.env.OMNI_TEST_TOOL = process.execPath;
    expect(debianProgramPath(program)).toBe(process.execPath);
    // Present: nothing is installed.
    expect(await ensureDebianProgram(program)).toBe(process.execPath);
  });
});
