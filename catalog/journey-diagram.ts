import { renderMermaidSVG } from 'beautiful-mermaid';
import type { JourneyDefinition } from '../domain/journey-definition.js';
import { labelColor } from '../domain/journey-mermaid-style.js';
import { journeyToMermaid } from '../domain/journey-mermaid.js';
import { withResolvedColors } from './svg-colors.js';

/** Every colour of the drawing given outright, so that the renderer derives none with CSS. */
const palette = {
  bg: '#ffffff',
  fg: labelColor,
  line: '#6b7280',
  accent: '#374151',
  muted: '#4b5563',
  surface: '#f9fafb',
  border: '#9ca3af',
};

/** Fonts a viewer without Inter has (rsvg, image viewers), with widths close to those the layout measured. */
const fonts = "Inter, 'Helvetica Neue', Arial, 'Liberation Sans', 'DejaVu Sans Condensed', sans-serif";

/** Mermaid text and a rendered SVG (no browser needed), for the CLI and docs. */
export function journeyDiagram(definition: JourneyDefinition): { mermaid: string; svg: string } {
  const mermaid = journeyToMermaid(definition);
  // The renderer links a web font; drop it so the SVG never reaches out to the internet.
  const svg = withResolvedColors(
    renderMermaidSVG(mermaid, palette)
      .replace(/^\s*@import url\([^)]*\);\s*$/m, '')
      .replace(/text \{ font-family: [^}]*\}/, `text { font-family: ${fonts}; }`)
      // A painted background: the CSS one is lost outside a browser, and dark text on a viewer's dark
      // checkerboard is unreadable.
      .replace(/<\/style>/, `</style>\n<rect width="100%" height="100%" fill="${palette.bg}" />`),
  );
  return { mermaid, svg };
}
