import { didYouMeanSuffix } from './did-you-mean.js';

/**
 * The variables a send gives a template (delivery/liquid.ts RenderContext), with the fields of
 * those whose fields are fixed: a template naming anything else is refused at validate/deploy.
 * `profile.traits`, `trigger.properties` and `cart` hold whatever the shop sends, so below them
 * nothing is checked.
 */
export const templateContext: Readonly<Record<string, readonly string[] | undefined>> = {
  profile: ['traits', 'orderCount', 'lifetimeValue', 'lastOrder'],
  trigger: ['name', 'properties', 'occurredAt', 'messageId'],
  cart: undefined,
  journey: ['id', 'name', 'step'],
  shop: ['url', 'name'],
  unsubscribe_url: [],
};

/** Why a variable path (`profile.trait.name`) is not in a send's context, with a suggestion; else undefined. */
export function unknownVariable(segments: readonly (string | number)[]): string | undefined {
  const [root, field] = segments;
  const roots = Object.keys(templateContext);
  if (typeof root !== 'string' || !Object.hasOwn(templateContext, root))
    return `unknown variable "${String(root)}"${didYouMeanSuffix(String(root), roots)}; a send provides ${roots.join(', ')}`;
  const fields = templateContext[root];
  if (!fields || field === undefined || (typeof field === 'string' && fields.includes(field)))
    return undefined;
  if (fields.length === 0) return `"${root}" is text and has no fields`;
  return `unknown variable "${root}.${String(field)}"${didYouMeanSuffix(String(field), fields)}; ${root} has ${fields.join(', ')}`;
}
