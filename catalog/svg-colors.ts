/**
 * beautiful-mermaid writes its colours as CSS custom properties (`var(--_node-fill)`, derived from
 * `--bg` and `--fg` with `color-mix`), which only a browser resolves: in an image viewer, a
 * document converter or rsvg every shape comes out black. This resolves them to plain hex colours,
 * so the SVG stands alone.
 */
type Rgb = [number, number, number];

const hex = (rgb: Rgb) => `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
const rgbOf = (value: string): Rgb | undefined => {
  const [, r = '', g = '', b = ''] = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(value.trim()) ?? [];
  return r ? [parseInt(r, 16), parseInt(g, 16), parseInt(b, 16)] : undefined;
};

/** A value of the renderer's stylesheet, given the variables known so far; undefined if not a colour. */
function resolve(expression: string, known: Map<string, string>): string | undefined {
  let text = expression.trim();
  // `var(--muted, fallback)`: the optional overrides are never set, so the fallback applies.
  for (let i = 0; i < 10; i++) {
    const next = text
      .replace(/var\(--[\w-]+,\s*(color-mix\([^()]*(?:\([^()]*\)[^()]*)*\)|[^()]+)\)/, '$1')
      .replace(/var\((--[\w-]+)\)/g, (all, name: string) => known.get(name) ?? all);
    if (next === text) break;
    text = next;
  }
  const [, first = '', percent = '', second = ''] =
    /^color-mix\(in srgb,\s*(#[0-9a-f]{6})\s+(\d+(?:\.\d+)?)%,\s*(#[0-9a-f]{6})\)$/i.exec(text) ?? [];
  const [a, b] = [rgbOf(first), rgbOf(second)];
  if (a && b) {
    const p = Number(percent) / 100;
    return hex([a[0] * p + b[0] * (1 - p), a[1] * p + b[1] * (1 - p), a[2] * p + b[2] * (1 - p)]);
  }
  return rgbOf(text) ? text : undefined;
}

export function withResolvedColors(svg: string): string {
  const known = new Map<string, string>();
  for (const [, name = '', value = ''] of svg.matchAll(/(--[\w-]+):\s*([^;"]+)[;"]/g)) {
    const resolved = resolve(value, known);
    if (resolved && !known.has(name)) known.set(name, resolved);
  }
  return (
    svg
      .replace(
        /var\((--[\w-]+)(?:,[^()]*(?:\([^()]*(?:\([^()]*\)[^()]*)*\)[^()]*)*)?\)/g,
        (all, name: string) => known.get(name) ?? all,
      )
      // With every use resolved, the declarations go too: nothing is left for a viewer to derive.
      .replace(/^\s*svg \{[^}]*\}\s*$/m, '')
      .replace(/(<svg[^>]*style=")((?:--[\w-]+:[^;"]*;)+)/, '$1')
  );
}
