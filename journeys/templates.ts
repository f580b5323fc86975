import type { TemplateParts } from '../domain/channels.js';

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
      html: '<p>Your cart: {% for item in cart.items %}{{ item.name }} × {{ item.quantity }}{% unless forloop.last %}, {% endunless %}{% endfor %}</p>',
      text: 'Your cart: {% for item in cart.items %}{{ item.name }} x {{ item.quantity }} {% endfor %}',
    },
  },
  'cart-reminder-last-call': {
    email: {
      subject: 'Your cart is about to expire',
      html: '<p>The items in your cart are still here: {{ cart.items | map: "name" | join: ", " }}</p>',
      text: 'The items in your cart are still here: {{ cart.items | map: "name" | join: ", " }}',
    },
  },
  'cart-incentive': {
    sms: {
      text: '{{ profile.traits.name | default: "Hi" }}, 10% off your cart with code CART10 today. Reply STOP to opt out.',
    },
    email: {
      subject: '10% off what is in your cart',
      html: '<p>Use code <b>CART10</b> for 10% off: {{ cart.items | map: "name" | join: ", " }}</p>',
      text: 'Use code CART10 for 10% off: {{ cart.items | map: "name" | join: ", " }}',
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
      html: '<p>{{ trigger.properties.name }} is still available.</p>',
      text: '{{ trigger.properties.name }} is still available.',
    },
  },
  'welcome-1': {
    email: {
      subject: 'Welcome, {{ profile.traits.name | default: "friend" }}',
      html: '<p>Welcome aboard.</p>',
      text: 'Welcome aboard.',
    },
  },
  'welcome-2': {
    email: {
      subject: 'Our favourites, picked for you',
      html: '<p>Here is what others love.</p>',
      text: 'Here is what others love.',
    },
  },
  'first-purchase-offer': {
    email: {
      subject: '10% off your first order',
      html: '<p>Use code FIRST10.</p>',
      text: 'Use code FIRST10.',
    },
  },
  'order-thank-you': {
    email: {
      subject: 'Thank you for your order',
      html: '<p>Thanks for order {{ trigger.properties.order_id }}. You may also like our related picks.</p>',
      text: 'Thanks for order {{ trigger.properties.order_id }}. You may also like our related picks.',
    },
  },
  'win-back': {
    email: {
      subject: 'We miss you',
      html: '<p>Come back for something new.</p>',
      text: 'Come back for something new.',
    },
    push: { title: 'We miss you', body: 'Come back for something new', url: '{{ shop.url }}' },
  },
};

export const templateIds: ReadonlySet<string> = new Set(Object.keys(templates));

/** The channels each template can be sent on. */
export const templateChannelMap: ReadonlyMap<string, readonly string[]> = new Map(
  Object.entries(templates).map(([id, parts]) => [id, Object.keys(parts)]),
);
