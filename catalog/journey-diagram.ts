import { renderMermaidSVG } from 'beautiful-mermaid';
import type { JourneyDefinition } from '../domain/journey-definition.js';
import { journeyToMermaid } from '../domain/journey-mermaid.js';
import { withResolvedColors } from './svg-colors.js';

/** Mermaid text and a rendered SVG (no browser needed), for the CLI and docs. */
export function journeyDiagram(definition: JourneyDefinition): { mermaid: string; svg: string } {
  const mermaid = journeyToMermaid(definition);
  // The renderer links a web font; drop it so the SVG never reaches out to the internet.
  const svg = withResolvedColors(renderMermaidSVG(mermaid).replace(/^\s*@import url\([^)]*\);\s*$/m, ''));
  return { mermaid, svg };
}
