import type { TemplateParts } from '../domain/channels.js';

/** Every marketing email carries a visible unsubscribe link (template checks refuse one without). */
const footerHtml =
  '<p style="font-size:12px"><a href="{{ unsubscribe_url }}">Unsubscribe</a> from these emails.</p>';
const footerText = '\n\nUnsubscribe: {{ unsubscribe_url }}';

/**
 * The message templates journeys may name. Each is Liquid text per channel part (the parts of
 * each channel are in `domain/channels.ts`); the delivery pipeline renders them with the profile,
 * trigger event, cart and journey context.
 */
export const templates: Record<string, TemplateParts> = {
  'cart-reminder': {
    webhook: { body: '{"event":"cart-reminder","items":{{ cart.items | json }}}' },
    push: {
      title: 'Still thinking it over?',
      body: 'Your cart is waiting: {{ cart.items | map: "name" | join: ", " }}',
      url: '{{ shop.url }}/cart',
    },
    email: {
      subject: '{{ profile.traits.name | default: "Hi" }}, you left something in your cart',
      html:
        '<p>Your cart: {% for item in cart.items %}{{ item.name }} × {{ item.quantity }}{% unless forloop.last %}, {% endunless %}{% endfor %}</p>' +
        footerHtml,
      text:
        'Your cart: {% for item in cart.items %}{{ item.name }} x {{ item.quantity }} {% endfor %}' +
        footerText,
    },
  },
  'cart-reminder-last-call': {
    email: {
      subject: 'Your cart is about to expire',
      html:
        '<p>The items in your cart are still here: {{ cart.items | map: "name" | join: ", " }}</p>' +
        footerHtml,
      text: 'The items in your cart are still here: {{ cart.items | map: "name" | join: ", " }}' + footerText,
    },
  },
  'cart-incentive': {
    sms: {
      text: '{{ profile.traits.name | default: "Hi" }}, 10% off your cart with code CART10 today. Reply STOP to opt out.',
    },
    email: {
      subject: '10% off what is in your cart',
      html:
        '<p>Use code <b>CART10</b> for 10% off: {{ cart.items | map: "name" | join: ", " }}</p>' + footerHtml,
      text: 'Use code CART10 for 10% off: {{ cart.items | map: "name" | join: ", " }}' + footerText,
    },
  },
  'browse-reminder': {
    push: {
      title: 'Still interested?',
      body: '{{ trigger.properties.name }} is still available',
      url: '{{ trigger.properties.url }}',
    },
    email: {
      subject: 'Still thinking about {{ trigger.properties.name }}?',
      html: '<p>{{ trigger.properties.name }} is still available.</p>' + footerHtml,
      text: '{{ trigger.properties.name }} is still available.' + footerText,
    },
  },
  'welcome-1': {
    email: {
      subject: 'Welcome, {{ profile.traits.name | default: "friend" }}',
      html: '<p>Welcome aboard.</p>' + footerHtml,
      text: 'Welcome aboard.' + footerText,
    },
  },
  'welcome-2': {
    email: {
      subject: 'Our favourites, picked for you',
      html: '<p>Here is what others love.</p>' + footerHtml,
      text: 'Here is what others love.' + footerText,
    },
  },
  'first-purchase-offer': {
    email: {
      subject: '10% off your first order',
      html: '<p>Use code FIRST10.</p>' + footerHtml,
      text: 'Use code FIRST10.' + footerText,
    },
  },
  'order-thank-you': {
    email: {
      subject: 'Thank you for your order',
      html:
        '<p>Thanks for order {{ trigger.properties.order_id }}. You may also like our related picks.</p>' +
        footerHtml,
      text:
        'Thanks for order {{ trigger.properties.order_id }}. You may also like our related picks.' +
        footerText,
    },
  },
  'win-back': {
    email: {
      subject: 'We miss you',
      html: '<p>Come back for something new.</p>' + footerHtml,
      text: 'Come back for something new.' + footerText,
    },
    push: { title: 'We miss you', body: 'Come back for something new', url: '{{ shop.url }}' },
  },
};

export const templateIds: ReadonlySet<string> = new Set(Object.keys(templates));

/** The channels each template can be sent on. */
export const templateChannelMap: ReadonlyMap<string, readonly string[]> = new Map(
  Object.entries(templates).map(([id, parts]) => [id, Object.keys(parts)]),
);
