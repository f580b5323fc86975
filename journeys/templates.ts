import { builtInTemplatesDir, loadTemplateFiles } from '../catalog/template-files.js';
import type { TemplateParts } from '../domain/channels.js';

/**
 * The built-in templates: the folders in `journeys/templates/` (layout in journeys/README.md),
 * read once when the module loads. A worker sends these when a template was never deployed;
 * deployed versions (template_versions) come first.
 */
export const builtInTemplates = loadTemplateFiles(builtInTemplatesDir);

/** Each built-in template's default-locale parts, by id. */
export const templates: Record<string, TemplateParts> = Object.fromEntries(
  builtInTemplates.map((folder) => [folder.id, folder.content.default]),
);

export const templateIds: ReadonlySet<string> = new Set(Object.keys(templates));

/** The channels each template can be sent on. */
export const templateChannelMap: ReadonlyMap<string, readonly string[]> = new Map(
  Object.entries(templates).map(([id, parts]) => [id, Object.keys(parts)]),
);
