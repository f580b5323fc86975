import type { ChannelAdapter } from '../../delivery/channel-adapter.js';

/**
 * The crash window, reproduced with the real adapter: the provider accepts the message, then the
 * "process" never returns, so the ledger is left exactly as a SIGKILL there leaves it (`sending`
 * for at-most-once channels, `reserved` for at-least-once ones). Everything else about the
 * adapter, its `crashWindow` included, is the real one's. `accepted` settles once the peer has it.
 */
export function diesAfterProviderAccepts<A extends ChannelAdapter>(
  adapter: A,
): { adapter: A; accepted: Promise<void> } {
  let accept: () => void = () => undefined;
  const accepted = new Promise<void>((resolve) => (accept = resolve));
  const dying = {
    ...adapter,
    channel: adapter.channel,
    crashWindow: adapter.crashWindow,
    async send(input: Parameters<A['send']>[0]) {
      await adapter.send(input as never);
      accept();
      return new Promise<never>(() => undefined);
    },
  } as A;
  return { adapter: dying, accepted };
}
