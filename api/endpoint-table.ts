/**
 * The README's endpoint table, rendered from the OpenAPI document the API serves, so the two never
 * disagree (test/readme-endpoints.test.ts compares them; `npm run docs:endpoints` rewrites it).
 */
interface OperationView {
  summary?: string;
  tags?: string[];
  security?: Record<string, unknown>[];
}
export interface EndpointDocument {
  tags?: { name: string }[];
  paths: Record<string, Record<string, OperationView>>;
}

const who: Record<string, string> = {
  writeKey: 'write key',
  writeKeyHeader: 'write key',
  clientKey: 'client key',
  userToken: 'user token',
  adminToken: 'admin token',
  twilioSignature: 'Twilio signature',
  unsubscribeToken: 'unsubscribe link',
};

function accessOf(security: Record<string, unknown>[] | undefined): string {
  if (!security || security.length === 0) return 'public';
  const names = security.map((alternative) =>
    Object.keys(alternative)
      .map((scheme) => who[scheme] ?? scheme)
      .join(' + '),
  );
  return [...new Set(names)].join(' or ');
}

export const endpointMarkers = {
  start: '<!-- endpoints:start (generated from /openapi.json by `npm run docs:endpoints`) -->',
  end: '<!-- endpoints:end -->',
} as const;

/** One row per operation, by section (the document's tag order), then path and method. */
export function endpointTable(document: EndpointDocument): string {
  const order = (document.tags ?? []).map((tag) => tag.name);
  const rows = Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      section: operation.tags?.[0] ?? '',
      endpoint: `${method.toUpperCase()} ${path}`,
      summary: (operation.summary ?? '').replaceAll('|', '\\|'),
      access: accessOf(operation.security),
    })),
  );
  rows.sort(
    (a, b) => order.indexOf(a.section) - order.indexOf(b.section) || a.endpoint.localeCompare(b.endpoint),
  );
  return [
    '| section | endpoint | what | who may call |',
    '| --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row.section} | \`${row.endpoint}\` | ${row.summary} | ${row.access} |`),
  ].join('\n');
}
