// The tests' push peer is the demo's push service: a real HTTPS push service that decrypts.
export { startPushService as startPushPeer, type PushService as PushPeer } from '../../demo/push-service.js';
