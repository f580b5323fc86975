import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * The search attributes every journey run keeps current, so ops can find runs in the Temporal UI
 * (`CustomerId='…' AND JourneyId='abandoned-cart'`). All are Keyword: exact match, no tokenising.
 */
export const searchAttributes = {
  CustomerId: defineSearchAttributeKey('CustomerId', 'KEYWORD'),
  JourneyId: defineSearchAttributeKey('JourneyId', 'KEYWORD'),
  JourneyVersion: defineSearchAttributeKey('JourneyVersion', 'KEYWORD'),
  JourneyStep: defineSearchAttributeKey('JourneyStep', 'KEYWORD'),
  EntryKey: defineSearchAttributeKey('EntryKey', 'KEYWORD'),
} as const;

export type SearchAttributeName = keyof typeof searchAttributes;

export const searchAttributeNames = Object.keys(searchAttributes) as SearchAttributeName[];
