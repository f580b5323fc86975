/** How data commands print: aligned columns for people, `--json` for scripts. */
export interface OutputOptions {
  json?: boolean;
}

type Cell = string | number | boolean | null | undefined | Date;

function text(cell: Cell): string {
  if (cell === null || cell === undefined) return '';
  if (cell instanceof Date) return cell.toISOString();
  return String(cell);
}

/** A table with a header row; columns as wide as their widest cell. */
export function formatTable(columns: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cells = [columns, ...rows.map((row) => row.map(text))];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return (
    cells
      .map((row) =>
        row
          .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Prints `value` as JSON with --json, else what `human` renders. */
export function print<T>(options: OutputOptions, value: T, human: (value: T) => string): void {
  if (options.json) printJson(value);
  else process.stdout.write(human(value));
}
