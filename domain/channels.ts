/** The channels the engine can message on. */
export const channels = ['email', 'sms', 'push', 'webhook'] as const;
export type Channel = (typeof channels)[number];

/** Marketing messages obey quiet hours and caps; transactional ones are exempt from caps but counted. */
export const messageCategories = ['marketing', 'transactional'] as const;
export type MessageCategory = (typeof messageCategories)[number];
