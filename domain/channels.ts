/** What the send decision and the template checks need to know about a channel. */
export interface ChannelFacts {
  /** The Liquid parts a template has for it; the rendered message has the same parts. */
  readonly parts: readonly [string, ...string[]];
  /** Liquid parts a template may leave out (push `icon`). */
  readonly optionalParts?: readonly string[];
  /** `opt-in`: only an explicit subscription allows it (SMS, by law); else anything but an unsubscribe. */
  readonly consent: 'opt-in' | 'unless-unsubscribed';
  /** Its name in reasons ("no SMS consent"); default: the channel's key. */
  readonly label?: string;
}

/**
 * The channels the engine can message on, one entry each. A new channel adds its entry here, its
 * module in `delivery/channels/` and one registration line in `delivery/channels/index.ts`.
 */
export const channelTable = {
  email: { parts: ['subject', 'html', 'text'], consent: 'unless-unsubscribed' },
  sms: { parts: ['text'], consent: 'opt-in', label: 'SMS' },
  push: { parts: ['title', 'body', 'url'], optionalParts: ['icon'], consent: 'unless-unsubscribed' },
  webhook: { parts: ['body'], consent: 'unless-unsubscribed' },
} as const satisfies Record<string, ChannelFacts>;

export type Channel = keyof typeof channelTable;

/** A table's keys in its order, as the non-empty tuple that enum columns and schemas take. */
function keysOf<K extends string>(table: Record<K, unknown>): readonly [K, ...K[]] {
  const keys = Object.keys(table).filter((key): key is K => key in table);
  if (keys[0] === undefined) throw new Error('an empty table');
  return [keys[0], ...keys.slice(1)];
}

export const channels = keysOf(channelTable);

/** For values from outside (a token, a URL): is this one of our channels? */
export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && Object.hasOwn(channelTable, value);
}

/** The template parts of one channel, e.g. email: `{ subject, html, text }`. */
export type PartsOf<C extends Channel> = { [P in (typeof channelTable)[C]['parts'][number]]: string } & {
  [P in OptionalPartOf<C>]?: string;
};
type OptionalPartOf<C extends Channel> = (typeof channelTable)[C] extends {
  optionalParts: readonly (infer P extends string)[];
}
  ? P
  : never;

/** A template: Liquid text per part, for the channels it can be sent on. */
export type TemplateParts = { [C in Channel]?: PartsOf<C> };

/** Marketing messages obey quiet hours and caps; transactional ones are exempt from caps but counted. */
export const messageCategories = ['marketing', 'transactional'] as const;
export type MessageCategory = (typeof messageCategories)[number];
