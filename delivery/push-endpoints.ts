import { knownPushHosts, pushEndpointRefusal, type PushEndpointPolicy } from '../domain/push-endpoint.js';

/**
 * This process's push endpoint policy (the rule is `domain/push-endpoint.ts`): the hosts the engine
 * configured (PUSH_ALLOWED_HOSTS, set by `engine/engine-services.ts`; the known push services until
 * then) and the local peers that allowed themselves by exact origin (the demo's push service, the
 * tests' peers). Process-wide because both the registration route and every delivery's recipient
 * read it, whichever composition built them.
 */
let hosts: readonly string[] = knownPushHosts;
const peers = new Set<string>();

/** PUSH_ALLOWED_HOSTS: replaces the allowed hosts (peers stay). */
export function configurePushHosts(allowed: readonly string[]): void {
  hosts = [...allowed];
}

/** A local push service (demo, tests) allows its own origin, loopback or not; returns the undo. */
export function allowPushPeer(origin: string): () => void {
  const normalised = new URL(origin).origin;
  peers.add(normalised);
  return () => peers.delete(normalised);
}

export function pushEndpointPolicy(): PushEndpointPolicy {
  return { hosts, peers: [...peers] };
}

/** Why this endpoint may not be registered or sent to under this process's policy, if it may not. */
export const pushEndpointRefused = (endpoint: string): string | undefined =>
  pushEndpointRefusal(endpoint, pushEndpointPolicy());
