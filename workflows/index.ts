/**
 * The workflows the worker registers. This module is bundled into Temporal's deterministic
 * sandbox: it may import pure code from `domain/` and activity *types* only.
 */
export { journeyRun } from './journey-run/workflow.js';
export { scheduledEntry } from './scheduled-entry/workflow.js';
export { segmentClock } from './segment-clock/workflow.js';
export { broadcast } from './broadcast/workflow.js';
export { broadcastDeferredSends } from './broadcast/deferred.js';
