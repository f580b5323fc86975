import { Connection, type TLSConfig } from '@temporalio/client';
import proto from '@temporalio/proto';
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import { searchAttributeNames } from '../domain/search-attributes.js';
import { readPemFile } from './read-pem.js';
import { UserError } from './user-error.js';

/** mTLS files and server name for a configured cluster (paths to PEM files). */
export interface TemporalTlsConfig {
  certPath?: string;
  keyPath?: string;
  caPath?: string;
  serverName?: string;
}

/** Where and how to reach a Temporal cluster: the embedded dev server or a configured one. */
export interface TemporalTarget {
  address: string;
  namespace: string;
  tls?: TLSConfig;
  apiKey?: string;
  /** True when the address came from TEMPORAL_ADDRESS (errors then name that variable). */
  external: boolean;
}

function readPem(file: string | undefined, variable: string): Uint8Array | undefined {
  return file ? readPemFile(file, variable) : undefined;
}

export async function loadTls(config: TemporalTlsConfig | undefined): Promise<TLSConfig | undefined> {
  if (!config) return undefined;
  const crt = readPem(config.certPath, 'TEMPORAL_TLS_CERT_PATH');
  const key = readPem(config.keyPath, 'TEMPORAL_TLS_KEY_PATH');
  const ca = readPem(config.caPath, 'TEMPORAL_TLS_CA_PATH');
  if (Boolean(crt) !== Boolean(key)) {
    throw new UserError(
      'TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH must be set together',
      'set both for mTLS, or neither',
    );
  }
  return {
    serverNameOverride: config.serverName,
    serverRootCACertificate: ca,
    clientCertPair: crt && key ? { crt, key } : undefined,
  };
}

function unreachable(target: TemporalTarget, error: unknown): UserError {
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return target.external
    ? new UserError(
        `cannot reach Temporal at TEMPORAL_ADDRESS=${target.address} (${reason})`,
        'check the address, TLS and API key settings, or unset TEMPORAL_ADDRESS to use the embedded dev server',
      )
    : new UserError(`cannot reach the Temporal dev server at ${target.address} (${reason})`);
}

/** An API key implies TLS (Temporal Cloud). */
function connectionOptions(target: TemporalTarget) {
  return { address: target.address, tls: target.tls ?? Boolean(target.apiKey), apiKey: target.apiKey };
}

/** A client connection; fails fast with a one-line error when the server is unreachable. */
export async function connectClient(target: TemporalTarget): Promise<Connection> {
  try {
    return await Connection.connect({ ...connectionOptions(target), connectTimeout: '5s' });
  } catch (error) {
    throw unreachable(target, error);
  }
}

/** A worker (Rust core) connection to the same target. */
export async function connectWorker(target: TemporalTarget): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(connectionOptions(target));
  } catch (error) {
    throw unreachable(target, error);
  }
}

/**
 * Registers the project's search attributes that the namespace lacks. The dev server gets them
 * at start; a self-hosted cluster gets them here; Temporal Cloud refuses the operator API, in
 * which case we say how to add them instead of failing.
 */
export async function ensureSearchAttributes(
  connection: Connection,
  namespace: string,
  logger: Logger,
): Promise<void> {
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const known = new Set([
      ...Object.keys(existing.customAttributes ?? {}),
      ...Object.keys(existing.systemAttributes ?? {}),
    ]);
    const missing = searchAttributeNames.filter((name) => !known.has(name));
    if (missing.length === 0) return;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((name) => [
          name,
          proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
        ]),
      ),
    });
    logger.info({ namespace, added: missing }, 'registered search attributes');
  } catch (error) {
    logger.warn(
      { namespace, error: error instanceof Error ? error.message : String(error) },
      `could not register search attributes ${searchAttributeNames.join(', ')} (Keyword); add them with your cluster's admin tools (for Temporal Cloud: tcld namespace search-attributes add)`,
    );
  }
}
