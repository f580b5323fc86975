import { createHash } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import type { Queryable } from '../db/queryable.js';
import { policyVersions } from '../db/schema.js';
import {
  defaultPolicyRules,
  policyDocumentOf,
  policyRules,
  type DeliveryPolicy,
  type PolicyRules,
} from '../domain/delivery-policy.js';
import { capHorizonMs } from '../domain/frequency-caps.js';

/** One policy for the whole workspace; the column leaves room for more. */
export const defaultPolicyId = 'default';

/** The deployed policy: versions as deployed, the newest deployment in force. */
export interface DeployedPolicy {
  version: string;
  document: DeliveryPolicy;
  deployedAt: Date;
}

/** The policy's version: the content hash of the validated document (zod's output has a fixed key order). */
export function policyVersion(policy: DeliveryPolicy): string {
  return createHash('sha256').update(JSON.stringify(policy)).digest('hex').slice(0, 12);
}

/** The newest deployment, unawaited: the reservation sends it in its batch under the customer's lock. */
export function latestPolicyRead(db: Queryable) {
  return db
    .select({
      version: policyVersions.version,
      document: policyVersions.document,
      deployedAt: policyVersions.deployedAt,
    })
    .from(policyVersions)
    .where(eq(policyVersions.policyId, defaultPolicyId))
    .orderBy(desc(policyVersions.deployedAt))
    .limit(1);
}

export async function currentPolicy(db: Queryable): Promise<DeployedPolicy | undefined> {
  const [row] = await latestPolicyRead(db);
  return row;
}

/** The policy in force, as `policy show` and GET /admin/policy show it: the defaults while none is deployed. */
export async function policyInForce(db: Queryable) {
  const deployed = await currentPolicy(db);
  return deployed
    ? {
        deployed: true,
        version: deployed.version,
        deployedAt: deployed.deployedAt,
        policy: deployed.document,
      }
    : { deployed: false, version: null, deployedAt: null, policy: policyDocumentOf(defaultPolicyRules) };
}

/**
 * Records the version once and makes it the one in force (redeploying an older version makes it
 * current again; the current one changes nothing). The next send of every worker reads it.
 */
export async function deployPolicy(
  db: Database,
  policy: DeliveryPolicy,
): Promise<{ version: string; changed: boolean }> {
  const version = policyVersion(policy);
  const changed = (await currentPolicy(db))?.version !== version;
  if (changed)
    await db
      .insert(policyVersions)
      .values({ policyId: defaultPolicyId, version, document: policy, deployedAt: new Date() })
      .onConflictDoUpdate({
        target: [policyVersions.policyId, policyVersions.version],
        set: { deployedAt: new Date() },
      });
  return { version, changed };
}

/**
 * The rules of the policy each send reads, parsed once per version. `horizonMs` is the longest
 * cap window seen last: the reservation reads the ledger that far back in the same batch as the
 * policy, and reads again only when the policy just read looks further back.
 */
export interface PolicyCache {
  rulesOf(row: { version: string; document: DeliveryPolicy } | undefined): PolicyRules;
  horizonMs(): number;
}

export function policyCache(defaults: PolicyRules): PolicyCache {
  let last: { version: string | undefined; rules: PolicyRules } = { version: undefined, rules: defaults };
  return {
    rulesOf(row) {
      if (row?.version !== last.version)
        last = { version: row?.version, rules: row ? policyRules(row.document, defaults) : defaults };
      return last.rules;
    },
    horizonMs: () => capHorizonMs(last.rules.caps),
  };
}
