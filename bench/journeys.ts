/** The bench's journeys: three sends in a row, a run per ingested event, and a wait for a wake-up. */
import { defineJourney } from '../journeys/define-journey.js';

const sendStep = (id: string) => ({
  id,
  type: 'send' as const,
  template: 'order-thank-you',
  channels: ['email' as const],
  intentKey: `bench-${id}`,
});

export const benchJourneys = [
  defineJourney({
    id: 'bench-three-sends',
    name: 'Bench: three sends, no wait',
    trigger: { event: 'Bench Order' },
    reEntry: { mode: 'always' },
    steps: [sendStep('first'), sendStep('second'), sendStep('third'), { id: 'done', type: 'end' }],
  }),
  defineJourney({
    id: 'bench-ingest',
    name: 'Bench: a run per ingested event',
    trigger: { event: 'Bench Ingest' },
    steps: [{ id: 'wait', type: 'wait', duration: '30d' }],
  }),
  defineJourney({
    id: 'bench-wait',
    name: 'Bench: wait for a wake-up',
    trigger: { event: 'Bench Wait' },
    steps: [
      { id: 'wait-for-wake', type: 'waitForEvent', event: 'Bench Wake', timeout: '30d', onEvent: 'done' },
      { id: 'done', type: 'end' },
    ],
  }),
];
