/**
 * The workflows the worker registers. This module is bundled into Temporal's deterministic
 * sandbox: it may import pure code from `domain/` and activity *types* only.
 *
 * The generic journey interpreter lands here with the journey engine.
 */
export {};
