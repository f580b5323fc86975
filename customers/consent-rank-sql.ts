import { sql, type SQL } from 'drizzle-orm';
import { consentRanks, exactSourceRanks, prefixSourceRanks } from '../domain/consent-rank.js';

/**
 * `consentRank` (domain/consent-rank.ts) as a SQL CASE over a source column, built from the same
 * tables, so a stored row is ranked by today's rules inside the statement that compares it.
 */
export function sourceRankSql(source: SQL): SQL {
  const whens = [
    ...Object.entries(exactSourceRanks).map(
      ([name, rank]) => sql`when ${source} = ${name} then ${rank}::int`,
    ),
    ...Object.entries(prefixSourceRanks).map(
      ([prefix, rank]) => sql`when starts_with(${source}, ${prefix}) then ${rank}::int`,
    ),
  ];
  return sql`(case ${sql.join(whens, sql` `)} else ${consentRanks.unknown}::int end)`;
}

export interface RankedDecisionSql {
  rank: SQL;
  at: SQL;
  status: SQL;
}

/** `prevails` (domain/consent-rank.ts) in SQL: a newer opt-out, else rank, then the newer time, then unsubscribe on a tie. */
export function prevailsSql(incoming: RankedDecisionSql, standing: RankedDecisionSql): SQL {
  return sql`((${incoming.status} = 'unsubscribed' and ${standing.status} = 'subscribed' and ${incoming.at} > ${standing.at})
    or ${incoming.rank} > ${standing.rank}
    or (${incoming.rank} = ${standing.rank}
      and (${incoming.at} > ${standing.at}
        or (${incoming.at} = ${standing.at} and ${incoming.status} = 'unsubscribed'))))`;
}
