import { describe, expect, it } from 'vitest';
import type { RenderContext } from './liquid.js';
import { checkTemplate, renderMessage } from './render-message.js';
import { checkJourney, InvalidJourneyError } from '../catalog/journey-catalog.js';
import { templates } from '../journeys/templates.js';

const context = (traits: Record<string, unknown> = { name: 'Ann' }): RenderContext => ({
  profile: { traits },
  trigger: {
    name: 'Product Added',
    properties: { name: 'Lamp', url: 'https://shop.example/lamp', order_id: 'o1' },
  },
  cart: {
    items: [
      { name: 'Lamp', quantity: 1 },
      { name: 'Mug', quantity: 2 },
    ],
  },
  journey: { id: 'abandoned-cart', step: 'reminder-1' },
  shop: { url: 'https://shop.example', name: 'Shop' },
});

describe('templates', () => {
  it('every catalogue template parses and uses only known variables', () => {
    for (const [id, template] of Object.entries(templates))
      expect(checkTemplate(id, template), id).toEqual([]);
  });

  it('refuses an unknown variable and a broken tag, with their path', () => {
    expect(checkTemplate('t', { sms: { text: 'Hi {{ custmer.name }}' } })).toEqual([
      {
        path: 'templates.t.sms.text',
        message: 'unknown variable "custmer" (use profile, trigger, cart, journey, shop, unsubscribe_url)',
      },
    ]);
    expect(checkTemplate('t', { sms: { text: '{% if %}' } })[0]?.message).toMatch(/^does not parse/);
  });

  it('a send on a channel its template lacks is refused at deploy time', () => {
    const journey = {
      id: 'j',
      name: 'J',
      trigger: { event: 'E' },
      steps: [{ id: 's', type: 'send', template: 'welcome-1', channels: ['email', 'sms'], intentKey: 'k' }],
    };
    const error = (() => {
      try {
        checkJourney(journey, 'j.ts');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidJourneyError);
    expect((error as InvalidJourneyError).problems).toMatchObject([
      {
        path: 'steps[0].channels[1]',
        message: 'template "welcome-1" has no sms part: add sms.txt to journeys/templates/welcome-1',
      },
    ]);
  });

  it('renders each channel part with the profile, cart and trigger', async () => {
    const email = await renderMessage(templates['cart-reminder']!, 'email', context());
    expect(email).toMatchObject({ channel: 'email', subject: 'Ann, you left something in your cart' });
    expect(email.channel === 'email' && email.html).toContain('Lamp × 1, Mug × 2');
    const push = await renderMessage(templates['cart-reminder']!, 'push', context());
    expect(push).toEqual({
      channel: 'push',
      title: 'Still thinking it over?',
      body: 'Your cart is waiting: Lamp, Mug',
      url: 'https://shop.example/cart',
    });
    const sms = await renderMessage(templates['cart-incentive']!, 'sms', context({}));
    expect(sms).toEqual({
      channel: 'sms',
      text: 'Hi, 10% off your cart with code CART10 today. Reply STOP to opt out.',
    });
  });

  it('hostile values cannot inject headers or markup', async () => {
    const hostile = context({ name: 'Eve\r\nBcc: all@example.com <script>alert(1)</script>' });
    const email = await renderMessage(templates['cart-reminder']!, 'email', hostile);
    expect(email.channel === 'email' && email.subject).not.toMatch(/[\r\n]/);
    const html = await renderMessage(
      { email: { subject: 's', html: '<p>{{ profile.traits.name }}</p>', text: 't' } },
      'email',
      hostile,
    );
    expect(html.channel === 'email' && html.html).toContain('&lt;script&gt;');
    const sms = await renderMessage(templates['cart-incentive']!, 'sms', hostile);
    expect(sms.channel === 'sms' && sms.text).toContain('Eve');
  });
});
