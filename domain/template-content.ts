import { z } from 'zod';
import { channels, messageCategories, type MessageCategory, type TemplateParts } from './channels.js';

/** What one deployed template version holds (the `content` of a `template_versions` row). */
export interface TemplateContent {
  /** Liquid text per channel part; email `html` is MJML-compiled, email `text` generated when absent. */
  default: TemplateParts;
  /** Per locale tag (`fr`, `de-CH`): the full parts, the locale's files overlaid on the default ones. */
  locales: Record<string, TemplateParts>;
  /** From template.yaml; else each journey step says. */
  category?: MessageCategory;
}

const parts = z.partialRecord(z.enum(channels), z.record(z.string(), z.string()));

/** For content read back from the database: the shape, checked rather than assumed. */
export const templateContentSchema = z.object({
  default: parts,
  locales: z.record(z.string(), parts),
  category: z.enum(messageCategories).optional(),
}) as unknown as z.ZodType<TemplateContent>;

/** `de-CH` → [`de-CH`, `de`]: the profile's locale, then its language (the default comes last). */
export function localeChain(locale: string | null | undefined): string[] {
  if (!locale) return [];
  const tag = locale.replace('_', '-');
  const language = tag.split('-')[0] ?? tag;
  return tag === language ? [tag] : [tag, language];
}

/** The variant for a profile's locale: locale → language → default (tags compared case-insensitively). */
export function partsForLocale(
  content: TemplateContent,
  locale?: string | null,
): { parts: TemplateParts; locale: string | undefined } {
  const byLower = new Map(Object.keys(content.locales).map((tag) => [tag.toLowerCase(), tag]));
  for (const candidate of localeChain(locale)) {
    const tag = byLower.get(candidate.toLowerCase());
    const variant = tag ? content.locales[tag] : undefined;
    if (tag && variant) return { parts: variant, locale: tag };
  }
  return { parts: content.default, locale: undefined };
}
