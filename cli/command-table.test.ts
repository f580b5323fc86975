import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { commandTable, registerCommands } from './command-table.js';

describe('the command table', () => {
  it('lists each command with the description the command itself sets', async () => {
    for (const [name, entry] of Object.entries(commandTable)) {
      const program = new Command();
      (await entry.load())(program);
      expect(program.commands.map((c) => [c.name(), c.description()])).toEqual([[name, entry.description]]);
    }
  }, 60_000);

  it('loads only the command being run; the others are listing stubs', async () => {
    const program = new Command();
    await registerCommands(program, ['journeys', 'list']);
    const journeys = program.commands.find((c) => c.name() === 'journeys');
    expect(journeys?.commands.map((c) => c.name())).toContain('list');
    expect(program.commands.find((c) => c.name() === 'stats')?.options).toEqual([]);
    expect(program.commands.map((c) => c.name())).toEqual(Object.keys(commandTable));
  });
});
