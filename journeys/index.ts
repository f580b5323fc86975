import type { JourneyDefinitionInput } from '../domain/journey-definition.js';
import abandonedCart from './abandoned-cart.js';
import browseAbandonment from './browse-abandonment.js';
import postPurchase from './post-purchase.js';
import welcomeSeries from './welcome-series.js';
import winBack from './win-back.js';

/** The journeys that ship with the engine. */
export const builtInJourneys: JourneyDefinitionInput[] = [
  abandonedCart,
  browseAbandonment,
  welcomeSeries,
  postPurchase,
  winBack,
];
