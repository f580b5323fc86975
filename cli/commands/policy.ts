import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { loadConfig } from '../../config/config.js';
import { deployPolicy, policyInForce, policyVersion } from '../../delivery/policy-store.js';
import type { DeliveryPolicy } from '../../domain/delivery-policy.js';
import {
  formatPolicyProblem,
  parsePolicyText,
  type PolicyProblem,
} from '../../domain/delivery-policy-file.js';
import { UserError } from '../../infra/user-error.js';
import { withDeployment } from '../deployment.js';
import { print, type OutputOptions } from '../output.js';
import { action, exitCodes } from '../run-action.js';

type Checked =
  { source: string; policy: DeliveryPolicy; version: string } | { source: string; problems: PolicyProblem[] };

async function checkFile(file: string): Promise<Checked> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const parsed = parsePolicyText(text);
  return parsed.ok
    ? { source: file, policy: parsed.policy, version: policyVersion(parsed.policy) }
    : { source: file, problems: parsed.problems };
}

/** A file's problems on stderr, one `FILE:LINE:COLUMN: path: message` each; exit code 2 (a user mistake). */
function refuse(checked: Extract<Checked, { problems: unknown }>, options: OutputOptions): void {
  if (options.json) print(options, { source: checked.source, problems: checked.problems }, () => '');
  else
    process.stderr.write(
      `omnijourney: ${checked.source} is not a valid delivery policy:\n${checked.problems
        .map((p) => `  ${formatPolicyProblem(checked.source, p)}\n`)
        .join('')}`,
    );
  process.exitCode = exitCodes.usage;
}

export function registerPolicy(program: Command): void {
  const policy = program
    .command('policy')
    .description('The delivery policy: frequency caps and quiet hours, as a YAML or JSON file.');
  policy
    .command('validate')
    .argument('<file>', 'a policy file (.yaml or .json)')
    .description('Check a policy file: every problem with its line, column and path.')
    .option('--json', 'print JSON')
    .action(
      action(async (file: string, options: OutputOptions) => {
        const checked = await checkFile(file);
        if ('problems' in checked) return refuse(checked, options);
        print(
          options,
          { source: file, version: checked.version, problems: [] },
          (r) => `ok  ${r.source} (version ${r.version})\n`,
        );
      }),
    );
  policy
    .command('deploy')
    .argument('<file>', 'a policy file (.yaml or .json)')
    .description('Validate and deploy a policy: the next send of every worker follows it, no restart.')
    .option('--json', 'print JSON')
    .action(
      action(async (file: string, options: OutputOptions) => {
        const checked = await checkFile(file);
        if ('problems' in checked) return refuse(checked, options);
        await withDeployment(loadConfig(), async (deployment) => {
          const result = await deployPolicy((await deployment.database()).db, checked.policy);
          print(options, result, (r) => `${r.changed ? 'deployed' : 'unchanged'}  version ${r.version}\n`);
        });
      }),
    );
  policy
    .command('show')
    .description(
      'Print the policy in force (the defaults while none is deployed) as a file to edit and deploy.',
    )
    .option('--json', 'print JSON')
    .action(
      action(async (options: OutputOptions) => {
        await withDeployment(loadConfig(), async (deployment) => {
          const shown = await policyInForce((await deployment.database()).db);
          print(options, shown, (s) =>
            s.deployed
              ? `# version ${s.version}, deployed ${s.deployedAt?.toISOString()}: edit, then \`omnijourney policy deploy FILE\`\n${stringify(s.policy)}`
              : `# no policy deployed: the defaults. Edit, then \`omnijourney policy deploy FILE\`\n${stringify(s.policy)}`,
          );
        });
      }),
    );
}
