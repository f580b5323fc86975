/**
 * A small, realistic shop, as Segment messages: customers sign up, browse, add to carts, and some
 * check out — in that order per customer, with times spread over a period. Deterministic for a
 * seed, so a generated file is the same file every time (and re-importing it changes nothing).
 */

export interface ShopMessage {
  type: 'identify' | 'track';
  messageId: string;
  userId: string;
  timestamp: string;
  event?: string;
  traits?: Record<string, unknown>;
  properties?: Record<string, unknown>;
  context?: Record<string, unknown>;
}

export interface SimulationOptions {
  seed?: number;
  customers: number;
  /** Times of the first and last events. */
  from: Date;
  to: Date;
  /** Time zones customers live in (quiet hours apply in their zone). */
  timeZones?: readonly string[];
  /** Prefix for user ids, so two simulations do not share customers. */
  userPrefix?: string;
}

const catalogue = [
  { product_id: 'sku-lamp', name: 'Desk lamp', price: 39 },
  { product_id: 'sku-mug', name: 'Stoneware mug', price: 14 },
  { product_id: 'sku-throw', name: 'Wool throw', price: 89 },
  { product_id: 'sku-vase', name: 'Glass vase', price: 27 },
  { product_id: 'sku-chair', name: 'Oak chair', price: 149 },
  { product_id: 'sku-candle', name: 'Scented candle', price: 19 },
];
const firstNames = [
  'Ada',
  'Ben',
  'Chloé',
  'Dev',
  'Emma',
  'Femi',
  'Grace',
  'Hugo',
  'Ines',
  'Jonas',
  'Keiko',
  'Lena',
];

/** mulberry32: a tiny seeded generator; statistical quality is ample for demo data. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** One customer's session, as messages in time order. */
function customerJourney(index: number, rand: () => number, options: SimulationOptions): ShopMessage[] {
  const userId = `${options.userPrefix ?? 'shopper'}-${index}`;
  const span = options.to.getTime() - options.from.getTime();
  let at = options.from.getTime() + rand() * span * 0.5;
  const step = () => (at = Math.min(options.to.getTime(), at + rand() * (span * 0.1)));
  const zones = options.timeZones ?? ['Europe/Paris', 'America/New_York', 'Asia/Tokyo'];
  const name = firstNames[index % firstNames.length] ?? 'Sam';
  let n = 0;
  const message = (body: Omit<ShopMessage, 'messageId' | 'userId' | 'timestamp'>): ShopMessage => ({
    ...body,
    messageId: `${userId}-${n++}`,
    userId,
    timestamp: new Date(at).toISOString(),
  });

  const smsOptIn = rand() < 0.4;
  const out: ShopMessage[] = [
    message({
      type: 'identify',
      traits: {
        email: `${userId}@example.test`,
        first_name: name,
        name,
        phone: `+336120${String(index % 100_000).padStart(5, '0')}`,
        consent: { email: 'subscribed', sms: smsOptIn ? 'subscribed' : 'unsubscribed' },
      },
      context: { timezone: zones[index % zones.length] },
    }),
    message({ type: 'track', event: 'Signed Up', properties: { method: 'email' } }),
  ];
  const views = 1 + Math.floor(rand() * 3);
  for (let v = 0; v < views; v++) {
    step();
    const product = catalogue[Math.floor(rand() * catalogue.length)] ?? catalogue[0];
    out.push(message({ type: 'track', event: 'Product Viewed', properties: { ...product } }));
  }
  if (rand() < 0.7) {
    const cartId = `cart-${userId}`;
    const items = 1 + Math.floor(rand() * 2);
    const chosen = [];
    for (let i = 0; i < items; i++) {
      step();
      const product = catalogue[Math.floor(rand() * catalogue.length)] ?? catalogue[0];
      chosen.push(product);
      out.push(
        message({
          type: 'track',
          event: 'Product Added',
          properties: { ...product, cart_id: cartId, quantity: 1 },
        }),
      );
    }
    if (rand() < 0.35) {
      step();
      const total = chosen.reduce((sum, p) => sum + (p?.price ?? 0), 0);
      out.push(
        message({
          type: 'track',
          event: 'Order Completed',
          properties: {
            order_id: `order-${userId}`,
            cart_id: cartId,
            total,
            currency: 'USD',
            products: chosen,
          },
        }),
      );
    }
  }
  return out;
}

/** Every customer's messages, merged in time order. */
export function simulateShop(options: SimulationOptions): ShopMessage[] {
  const rand = random(options.seed ?? 42);
  const all: ShopMessage[] = [];
  for (let i = 0; i < options.customers; i++) all.push(...customerJourney(i, rand, options));
  // Stable: a customer's messages with the same time keep their order.
  return all.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
}
