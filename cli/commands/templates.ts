import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import {
  builtInTemplatesDir,
  formatTemplateProblem,
  InvalidTemplateError,
} from '../../catalog/template-files.js';
import { checkTemplateDirs } from '../../catalog/template-lint.js';
import { deployTemplates, listTemplates } from '../../catalog/template-store.js';
import { withDeployment } from '../deployment.js';
import { formatTable, print, type OutputOptions } from '../output.js';
import { action, exitCodes } from '../run-action.js';
import { registerTemplatePreview } from './templates-preview.js';
import { registerTemplateTestSend } from './templates-test-send.js';

const relative = (file: string) => path.relative(process.cwd(), file) || file;
const dirsOr = (dirs: string[]) => (dirs.length > 0 ? dirs : [builtInTemplatesDir]);

/** `templates list`: every template a journey may name, deployed or built in. */
function listCommand(templates: Command): void {
  templates
    .command('list')
    .description('The templates journeys may name: current version, channels, locales, when deployed.')
    .option('--json', 'print JSON')
    .action(
      action(async (options: OutputOptions) => {
        await withDeployment(loadConfig(), async (deployment) => {
          const rows = await listTemplates((await deployment.database()).db);
          print(options, rows, (list) =>
            formatTable(
              ['ID', 'VERSION', 'CHANNELS', 'LOCALES', 'DEPLOYED'],
              list.map((r) => [
                r.id,
                r.version,
                r.channels.join(','),
                r.locales.join(',') || '-',
                r.deployedAt?.toISOString() ?? 'built-in',
              ]),
            ),
          );
        });
      }),
    );
}

/** `templates validate`: each folder's files, Liquid, variables, lengths and links, with file and line. */
function validateCommand(templates: Command): void {
  templates
    .command('validate')
    .argument('[dirs...]', 'template folders, or folders of them (none: the built-in journeys/templates)')
    .description(
      'Check template folders: file layout, Liquid, variables, MJML, SMS segments, push size, unsubscribe link.',
    )
    .option('--json', 'print JSON')
    .action(
      action(async (dirs: string[], options: OutputOptions) => {
        const results = checkTemplateDirs(dirsOr(dirs)).map(({ folder, problems }) => ({
          id: folder.id,
          dir: relative(folder.dir),
          version: folder.version,
          problems: problems.map((p) => ({ ...p, file: relative(p.file) })),
        }));
        print(options, results, (list) =>
          list
            .map((r) => {
              const errors = r.problems.filter((p) => !p.warning);
              const head =
                errors.length === 0
                  ? `ok       ${r.dir} (${r.id}, version ${r.version})`
                  : `invalid  ${r.dir}`;
              return `${head}\n${r.problems.map((p) => `  ${formatTemplateProblem(p)}\n`).join('')}`;
            })
            .join(''),
        );
        if (results.some((r) => r.problems.some((p) => !p.warning))) process.exitCode = exitCodes.failure;
      }),
    );
}

/** `templates deploy`: checked as by validate; any problem and nothing is deployed. */
function deployCommand(templates: Command): void {
  templates
    .command('deploy')
    .argument('[dirs...]', 'template folders, or folders of them (none: the built-in journeys/templates)')
    .description(
      'Validate and deploy templates: the next send of every journey naming one uses the new version.',
    )
    .option('--json', 'print JSON')
    .action(
      action(async (dirs: string[], options: OutputOptions) => {
        const checked = checkTemplateDirs(dirsOr(dirs));
        const problems = checked.flatMap((c) => c.problems.filter((p) => !p.warning));
        if (problems.length > 0)
          throw new InvalidTemplateError(problems.map((p) => ({ ...p, file: relative(p.file) })));
        await withDeployment(loadConfig(), async (deployment) => {
          const results = await deployTemplates(
            (await deployment.database()).db,
            checked.map((c) => c.folder),
          );
          print(options, results, (list) =>
            formatTable(
              ['ID', 'VERSION', 'RESULT'],
              list.map((r) => [r.templateId, r.version, r.changed ? 'deployed' : 'unchanged']),
            ),
          );
        });
      }),
    );
}

export function registerTemplates(program: Command): void {
  const templates = program.command('templates').description(templatesDescription);
  listCommand(templates);
  validateCommand(templates);
  deployCommand(templates);
  registerTemplatePreview(templates);
  registerTemplateTestSend(templates);
}

export const templatesDescription =
  'Write, check, preview, test-send and deploy message templates (folders of files).';
