import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { and, desc, eq, isNull, ne, or } from 'drizzle-orm';
import { parse as parseYaml } from 'yaml';
import type { Database } from '../db/client.js';
import type { Queryable } from '../db/queryable.js';
import { journeyStates, journeyVersions } from '../db/schema.js';
import { validateJourney, type JourneyDefinition } from '../domain/journey-definition.js';
import { importModule } from '../infra/import-module.js';
import { UserError } from '../infra/user-error.js';
import { builtInTemplates } from '../journeys/templates.js';
import type { TemplateParts } from '../domain/channels.js';
import { formatProblem, locateProblems, type JourneyProblem } from './journey-problems.js';
import { journeyVersion } from './journey-version.js';
import { templateFileProblems, templateProblems, withChannelFile } from './template-check.js';
import {
  builtInTemplatesDir,
  InvalidTemplateError,
  loadTemplateFiles,
  type TemplateFolder,
} from './template-files.js';
import { deployTemplates } from './template-store.js';

export interface VersionedJourney {
  definition: JourneyDefinition;
  version: string;
  /** The template folders its send steps name: deployed with it. */
  templates?: TemplateFolder[];
  /** Template problems that do not refuse it (an SMS of many segments). */
  warnings?: JourneyProblem[];
}

export class InvalidJourneyError extends UserError {
  constructor(
    readonly source: string,
    readonly problems: JourneyProblem[],
  ) {
    super(`${source} is not a valid journey: ${problems.map(formatProblem).join('; ')}`);
  }
}

type TemplateCatalog = Record<string, TemplateParts>;
const channelsOf = (catalog: TemplateCatalog) =>
  new Map(Object.entries(catalog).map(([id, parts]) => [id, Object.keys(parts)]));

/**
 * Validates against the templates (folders: the built-in ones unless given; or, for tests, parts
 * by id), checks the templates it names, and stamps the content-hash version.
 */
export function checkJourney(
  input: unknown,
  source: string,
  catalog: TemplateCatalog | readonly TemplateFolder[] = builtInTemplates,
): VersionedJourney {
  const folders = Array.isArray(catalog) ? (catalog as readonly TemplateFolder[]) : undefined;
  const parts = folders
    ? Object.fromEntries(folders.map((f) => [f.id, f.content.default]))
    : (catalog as TemplateCatalog);
  const result = validateJourney(input, {
    templates: new Set(Object.keys(parts)),
    templateChannels: channelsOf(parts),
  });
  if (!result.ok)
    throw new InvalidJourneyError(
      source,
      locateProblems(
        result.problems.map((p) => (folders ? withChannelFile(p, folders) : p)),
        input,
      ),
    );
  const version = journeyVersion(result.definition);
  if (!folders) {
    const problems = templateProblems(result.definition, parts);
    if (problems.length > 0) throw new InvalidJourneyError(source, problems);
    return { definition: result.definition, version };
  }
  const { problems, warnings, named } = templateFileProblems(result.definition, folders);
  if (problems.length > 0) throw new InvalidJourneyError(source, problems);
  return { definition: result.definition, version, templates: named, warnings };
}

/** The templates a journey file may name: `templates/` beside it, then the built-in ones. */
function templatesBeside(file: string): TemplateFolder[] {
  const dir = path.join(path.dirname(file), 'templates');
  if (!existsSync(dir) || path.resolve(dir) === path.resolve(builtInTemplatesDir))
    return [...builtInTemplates];
  let beside: TemplateFolder[];
  try {
    beside = loadTemplateFiles(dir);
  } catch (error) {
    if (!(error instanceof InvalidTemplateError)) throw error;
    throw new InvalidJourneyError(
      file,
      error.problems.map((p) => ({
        path: `${path.relative(process.cwd(), p.file) || p.file}:${p.line}`,
        message: p.message,
      })),
    );
  }
  const ids = new Set(beside.map((f) => f.id));
  return [...beside, ...builtInTemplates.filter((f) => !ids.has(f.id))];
}

const moduleExtensions = new Set(['.ts', '.mts', '.js', '.mjs']);

/** A definition from a .ts/.js module (its default export), or a .json, .yaml/.yml file (the same structure). */
export async function loadJourneyFile(file: string): Promise<VersionedJourney> {
  if (moduleExtensions.has(path.extname(file).toLowerCase())) {
    if (!existsSync(file)) throw new UserError(`cannot read ${file} (ENOENT)`);
    let loaded: { default?: unknown };
    try {
      loaded = (await importModule(path.resolve(file))) as { default?: unknown };
    } catch (error) {
      throw new UserError(`cannot load ${file}: ${(error as Error).message.split('\n')[0]}`);
    }
    if (loaded.default === undefined)
      throw new UserError(
        `${file} has no default export`,
        'export the journey with `export default defineJourney({…})`',
      );
    return checkJourney(loaded.default, file, templatesBeside(file));
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let data: unknown;
  try {
    data = path.extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new UserError(
      `${file} is not valid ${path.extname(file).slice(1) || 'YAML'}: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  const folders = templatesBeside(file);
  try {
    return checkJourney(data, file, folders);
  } catch (error) {
    // Problems point at the line and column of the file they are in.
    if (!(error instanceof InvalidJourneyError)) throw error;
    throw new InvalidJourneyError(file, locateProblems(error.problems, data, text));
  }
}

/**
 * Records each version once; the newest deployment of a journey is the one new runs get.
 * Redeploying the current version changes nothing; redeploying an older one makes it current again.
 */
export async function deployJourneys(
  db: Database,
  journeys: VersionedJourney[],
): Promise<{ journeyId: string; version: string; changed: boolean }[]> {
  // The templates first: a journey is never current without the templates it names.
  const templates = new Map(journeys.flatMap((j) => j.templates ?? []).map((t) => [t.id, t]));
  await deployTemplates(db, [...templates.values()]);
  const results = [];
  for (const { definition, version } of journeys) {
    const [latest] = await db
      .select({ version: journeyVersions.version })
      .from(journeyVersions)
      .where(eq(journeyVersions.journeyId, definition.id))
      .orderBy(desc(journeyVersions.deployedAt))
      .limit(1);
    const changed = latest?.version !== version;
    if (changed) {
      await db
        .insert(journeyVersions)
        .values({
          journeyId: definition.id,
          version,
          definition,
          deployedAt: new Date(),
        })
        .onConflictDoUpdate({
          target: [journeyVersions.journeyId, journeyVersions.version],
          set: { deployedAt: new Date() },
        });
    }
    // Deploying an undeployed journey brings it back; a paused one stays paused until resumed.
    await db
      .delete(journeyStates)
      .where(and(eq(journeyStates.journeyId, definition.id), eq(journeyStates.state, 'undeployed')));
    results.push({ journeyId: definition.id, version, changed });
  }
  return results;
}

/** A deployed journey: its current version, and whether an operator paused it. */
export interface DeployedJourney extends VersionedJourney {
  paused: boolean;
}

/** The current version of every deployed journey; undeployed ones are left out (their history stays). */
export async function currentJourneys(db: Queryable): Promise<DeployedJourney[]> {
  const rows = await db
    .selectDistinctOn([journeyVersions.journeyId], {
      definition: journeyVersions.definition,
      version: journeyVersions.version,
      state: journeyStates.state,
    })
    .from(journeyVersions)
    .leftJoin(journeyStates, eq(journeyStates.journeyId, journeyVersions.journeyId))
    .where(or(isNull(journeyStates.state), ne(journeyStates.state, 'undeployed')))
    .orderBy(journeyVersions.journeyId, desc(journeyVersions.deployedAt));
  return rows.map(({ definition, version, state }) => ({ definition, version, paused: state === 'paused' }));
}

/** Any deployed version (runs in flight keep the one they started with). */
export async function journeyAtVersion(
  db: Queryable,
  journeyId: string,
  version: string,
): Promise<JourneyDefinition | undefined> {
  const [row] = await db
    .select({ definition: journeyVersions.definition })
    .from(journeyVersions)
    .where(and(eq(journeyVersions.journeyId, journeyId), eq(journeyVersions.version, version)));
  return row?.definition;
}

/** The definition of every deployed version, current or not (runs in flight keep theirs). */
export async function deployedDefinitions(db: Queryable): Promise<JourneyDefinition[]> {
  const rows = await db.select({ definition: journeyVersions.definition }).from(journeyVersions);
  return rows.map((row) => row.definition);
}

/** Every version of a journey ever deployed, newest deployment first (undeployed journeys too). */
export function journeyVersionsOf(db: Queryable, journeyId: string) {
  return db
    .select({ version: journeyVersions.version, deployedAt: journeyVersions.deployedAt })
    .from(journeyVersions)
    .where(eq(journeyVersions.journeyId, journeyId))
    .orderBy(desc(journeyVersions.deployedAt));
}
