import { startPushService, type PushService } from '../../demo/push-service.js';
import { allowPushPeer } from '../../delivery/push-endpoints.js';

// The tests' push peer is the demo's push service: a real HTTPS push service that decrypts. It
// runs on 127.0.0.1, which the engine refuses unless a peer allows its own origin: this one does,
// for as long as it runs.
export type PushPeer = PushService;

export async function startPushPeer(): Promise<PushPeer> {
  const peer = await startPushService();
  const disallow = allowPushPeer(peer.url);
  return {
    ...peer,
    async close() {
      disallow();
      await peer.close();
    },
  };
}
