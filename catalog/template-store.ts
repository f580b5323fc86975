import { and, desc, eq } from 'drizzle-orm';
import type { Queryable } from '../db/queryable.js';
import { templateVersions } from '../db/schema.js';
import type { MessageCategory, TemplateParts } from '../domain/channels.js';
import { partsForLocale, templateContentSchema, type TemplateContent } from '../domain/template-content.js';
import { builtInTemplates } from '../journeys/templates.js';
import type { TemplateFolder } from './template-files.js';

/** A template ready to render: the parts of the locale variant the fallback chain picked. */
export interface TemplateForSend {
  id: string;
  version: string;
  /** The variant used (`de-CH`, `de`), undefined for the default. */
  locale: string | undefined;
  parts: TemplateParts;
  category?: MessageCategory;
}

/**
 * Records each template version once (content hash); the newest deployment is current. As with
 * journeys, redeploying an older version makes it current again.
 */
export async function deployTemplates(
  db: Queryable,
  folders: readonly Pick<TemplateFolder, 'id' | 'version' | 'content'>[],
): Promise<{ templateId: string; version: string; changed: boolean }[]> {
  const results = [];
  for (const { id, version, content } of folders) {
    const current = await currentVersion(db, id);
    const changed = current?.version !== version;
    if (changed)
      await db
        .insert(templateVersions)
        .values({ templateId: id, version, content, deployedAt: new Date() })
        .onConflictDoUpdate({
          target: [templateVersions.templateId, templateVersions.version],
          set: { deployedAt: new Date() },
        });
    results.push({ templateId: id, version, changed });
  }
  return results;
}

async function currentVersion(db: Queryable, id: string, version?: string) {
  const [row] = await db
    .select({ version: templateVersions.version, content: templateVersions.content })
    .from(templateVersions)
    .where(
      and(eq(templateVersions.templateId, id), version ? eq(templateVersions.version, version) : undefined),
    )
    .orderBy(desc(templateVersions.deployedAt))
    .limit(1);
  return row;
}

/** Parsed versions, by `id@version`: a version never changes, so one parse serves every send. */
const parsedVersions = new Map<string, TemplateContent>();

function contentOf(id: string, version: string, stored: unknown): TemplateContent {
  const key = `${id}@${version}`;
  let content = parsedVersions.get(key);
  if (!content) {
    content = templateContentSchema.parse(stored);
    if (parsedVersions.size > 1000) parsedVersions.clear();
    parsedVersions.set(key, content);
  }
  return content;
}

/**
 * The template a send renders: the version current now (or `version`), from the database, so a
 * template deployed after this process started is sent without a restart; a template never
 * deployed is the built-in one of that id. Undefined: no such template (or version).
 */
export async function templateForSend(
  db: Queryable,
  id: string,
  options: SendOptions = {},
): Promise<TemplateForSend | undefined> {
  const deployed = await deployedTemplate(db, id, options);
  if (deployed) return deployed;
  const builtIn = builtInTemplates.find((folder) => folder.id === id);
  if (!builtIn || (options.version && options.version !== builtIn.version)) return undefined;
  return forSend(id, builtIn);
}

type SendOptions = { version?: string; locale?: string | null };

/** Only a deployed version (the current one, or `version`); undefined when there is none. */
export async function deployedTemplate(
  db: Queryable,
  id: string,
  options: SendOptions = {},
): Promise<TemplateForSend | undefined> {
  const row = await currentVersion(db, id, options.version);
  return (
    row &&
    forSend(id, { version: row.version, content: contentOf(id, row.version, row.content) }, options.locale)
  );
}

function forSend(
  id: string,
  found: { version: string; content: TemplateContent },
  locale?: string | null,
): TemplateForSend {
  const variant = partsForLocale(found.content, locale);
  return {
    id,
    version: found.version,
    locale: variant.locale,
    parts: variant.parts,
    ...(found.content.category ? { category: found.content.category } : {}),
  };
}

/** Every template: deployed ones at their current version, then the built-ins never deployed. */
export async function listTemplates(db: Queryable) {
  const rows = await db
    .selectDistinctOn([templateVersions.templateId], {
      id: templateVersions.templateId,
      version: templateVersions.version,
      content: templateVersions.content,
      deployedAt: templateVersions.deployedAt,
    })
    .from(templateVersions)
    .orderBy(templateVersions.templateId, desc(templateVersions.deployedAt));
  const deployed = new Set(rows.map((row) => row.id));
  const all = [
    ...rows.map((row) => ({ ...row, content: contentOf(row.id, row.version, row.content) })),
    ...builtInTemplates.filter((f) => !deployed.has(f.id)).map((f) => ({ ...f, deployedAt: undefined })),
  ];
  return all
    .map(({ id, version, content, deployedAt }) => ({
      id,
      version,
      deployedAt,
      channels: Object.keys(content.default),
      locales: Object.keys(content.locales),
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}
