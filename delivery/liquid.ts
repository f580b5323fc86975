import { Liquid } from 'liquidjs';

/** The variables a template may use; anything else is refused when templates are checked. */
export const templateRoots = ['profile', 'trigger', 'cart', 'journey', 'shop', 'unsubscribe_url'] as const;

export interface RenderContext {
  profile: Record<string, unknown>;
  trigger: Record<string, unknown>;
  cart: unknown;
  journey: { id: string; name?: string; step: string };
  shop: { url: string; name: string };
  unsubscribe_url?: string;
}

/** Output-escaped for HTML bodies only; SMS, push and subjects are plain text. */
const htmlEngine = new Liquid({ outputEscape: 'escape', strictFilters: true, cache: 200 });
const textEngine = new Liquid({ strictFilters: true, cache: 200 });

/** The engine for a part: `html` parts escape what values bring in, the others are text. */
export const engineFor = (part: string) => (part === 'html' ? htmlEngine : textEngine);

/** Renders one part's Liquid source with the context. */
export async function renderPart(part: string, source: string, context: RenderContext): Promise<string> {
  return (await engineFor(part).parseAndRender(
    source,
    context as unknown as Record<string, unknown>,
  )) as string;
}

/** One line: CR/LF and other control characters would let a name or subject inject headers. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const oneLine = (text: string) => text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const plain = (text: string) => text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');

/**
 * Push and SMS are text: markup that a value brought in (a name such as `<script>…`) is removed,
 * since some phones render a notification's HTML. Escaped entities stay as typed.
 */
export const textOnly = (text: string) => text.replace(/<\/?[a-zA-Z!][^<>]*>/g, '').replace(/[<>]/g, '');
/** A push opens this URL on tap: only http(s), else the shop's own URL. */
export const safeUrl = (url: string, fallback: string) => (/^https?:\/\/[^\s]+$/i.test(url) ? url : fallback);
