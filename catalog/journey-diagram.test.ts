import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { builtInJourneys } from '../journeys/index.js';
import { checkJourney } from './journey-catalog.js';
import { journeyDiagram } from './journey-diagram.js';

describe('journey diagrams', () => {
  it('renders every built-in journey as Mermaid text and well-formed SVG', () => {
    for (const input of builtInJourneys) {
      const { definition } = checkJourney(input, input.id);
      const { mermaid, svg } = journeyDiagram(definition);
      expect(mermaid.startsWith('flowchart TD\n')).toBe(true);
      for (const step of definition.steps)
        expect(mermaid, `${definition.id}/${step.id}`).toContain(step.label ?? step.id);
      expect(XMLValidator.validate(svg), definition.id).toBe(true);
      const parsed = new XMLParser({ ignoreAttributes: false }).parse(svg) as { svg?: unknown };
      expect(parsed.svg, definition.id).toBeDefined();
    }
  });

  it('shows the abandoned cart as marketers think of it', () => {
    const abandoned = builtInJourneys.find((j) => j.id === 'abandoned-cart')!;
    const { mermaid, svg } = journeyDiagram(checkJourney(abandoned, 'abandoned-cart').definition);
    expect(mermaid).toContain('trigger(["When: Product Added, one run per<br/>trigger.properties.cart_id"])');
    expect(mermaid).toContain('s1[["reminder-1: send cart-reminder via push → email"]]');
    // Exits and goal apply at any step: nodes of their own, reached from the trigger.
    expect(mermaid).toContain('goal(["converted: Order Completed if');
    expect(mermaid).toContain('trigger -.->|"goal, at any step"| goal');
    expect(mermaid).toContain('trigger -.->|"at any step"| exit0');
    // Each kind of step has its shape and colours, named in the legend.
    expect(mermaid).toMatch(/classDef send fill:#[0-9a-f]{6},stroke:#[0-9a-f]{6}/);
    expect(mermaid).toContain('class s1,s3,s5,legend_send send');
    expect(mermaid).toContain('legend_wait("wait")');
    expect(svg).toContain('wait-1h');
  });

  it('stands alone: colours are plain values (no CSS variables a viewer without CSS would paint black), labels clean', () => {
    const abandoned = builtInJourneys.find((j) => j.id === 'abandoned-cart')!;
    const { svg } = journeyDiagram(checkJourney(abandoned, 'abandoned-cart').definition);
    expect(svg).not.toMatch(/var\(|color-mix|--[\w-]+:/);
    expect(svg).toMatch(/fill="#[0-9a-f]{6}"/i);
    const labels = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1] ?? '');
    expect(labels).toContain('reminder-1: send cart-reminder via push → email');
    expect(labels.filter((text) => /^\/|\/$|&quot;/.test(text))).toEqual([]);
  });
});
