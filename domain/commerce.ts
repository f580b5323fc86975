/**
 * A customer's derived shopping state from the Segment e-commerce v2 events: the current cart
 * (one cart across devices once identities merge), the last order, order count and lifetime value.
 */

export interface CartItem {
  productId: string;
  sku?: string;
  name?: string;
  price?: number;
  quantity: number;
  url?: string;
  imageUrl?: string;
  addedAt: string;
}

export interface Cart {
  cartId?: string;
  items: CartItem[];
  updatedAt: string;
}

export interface LastOrder {
  orderId?: string;
  total: number;
  currency?: string;
  at: string;
  productIds: string[];
}

export interface CommerceState {
  cart: Cart | null;
  orderCount: number;
  lifetimeValue: number;
  lastOrder: LastOrder | null;
}

export const emptyCommerce: CommerceState = { cart: null, orderCount: 0, lifetimeValue: 0, lastOrder: null };

export const commerceEvents = [
  'Product Added',
  'Product Removed',
  'Cart Viewed',
  'Checkout Started',
  'Order Completed',
] as const;

type Properties = Record<string, unknown>;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== ''
    ? value.trim()
    : typeof value === 'number'
      ? String(value)
      : undefined;

const amount = (value: unknown): number | undefined => {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};

/** An order's value: its `total`, else its `revenue` (Segment e-commerce v2), else 0. */
export const orderTotal = (properties: Record<string, unknown>): number =>
  amount(properties.total) ?? amount(properties.revenue) ?? 0;

const quantityOf = (value: unknown): number => {
  const n = amount(value);
  return n !== undefined && n > 0 ? Math.min(Math.floor(n), 10_000) : 1;
};

function itemOf(product: Properties, at: string): CartItem | undefined {
  const productId = text(product.product_id) ?? text(product.sku) ?? text(product.id);
  if (!productId) return undefined;
  const item: CartItem = { productId, quantity: quantityOf(product.quantity), addedAt: at };
  const sku = text(product.sku);
  const name = text(product.name);
  const price = amount(product.price);
  const url = text(product.url);
  const imageUrl = text(product.image_url);
  if (sku) item.sku = sku;
  if (name) item.name = name;
  if (price !== undefined) item.price = price;
  if (url) item.url = url;
  if (imageUrl) item.imageUrl = imageUrl;
  return item;
}

function productsOf(properties: Properties, at: string): CartItem[] | undefined {
  if (!Array.isArray(properties.products)) return undefined;
  return properties.products
    .filter((p): p is Properties => typeof p === 'object' && p !== null && !Array.isArray(p))
    .map((p) => itemOf(p, at))
    .filter((item): item is CartItem => item !== undefined);
}

function withItems(cart: Cart | null, items: CartItem[], at: string, cartId?: string): Cart | null {
  if (items.length === 0 && !cartId) return null;
  return { cartId: cartId ?? cart?.cartId, items, updatedAt: at };
}

/** The state after one event. Events other than the e-commerce ones leave it unchanged. */
export function applyCommerceEvent(
  state: CommerceState,
  event: { name: string; properties: Properties; occurredAt: Date },
): CommerceState {
  const at = event.occurredAt.toISOString();
  const p = event.properties;
  const cartId = text(p.cart_id);
  const items = state.cart?.items ?? [];
  switch (event.name) {
    case 'Product Added': {
      const item = itemOf(p, at);
      if (!item) return state;
      const existing = items.find((i) => i.productId === item.productId);
      const next = existing
        ? items.map((i) =>
            i === existing ? { ...i, ...item, quantity: i.quantity + item.quantity, addedAt: i.addedAt } : i,
          )
        : [...items, item];
      return { ...state, cart: withItems(state.cart, next, at, cartId) };
    }
    case 'Product Removed': {
      const removed = itemOf(p, at);
      if (!removed) return state;
      const takeAll = p.quantity === undefined;
      const next = items
        .map((i) =>
          i.productId === removed.productId
            ? { ...i, quantity: takeAll ? 0 : i.quantity - removed.quantity }
            : i,
        )
        .filter((i) => i.quantity > 0);
      return { ...state, cart: withItems(state.cart, next, at, state.cart?.cartId) };
    }
    case 'Cart Viewed':
    case 'Checkout Started': {
      // These carry the whole cart: a snapshot, authoritative over what we pieced together.
      const snapshot = productsOf(p, at);
      if (!snapshot) return state;
      const kept = snapshot.map((item) => ({
        ...item,
        addedAt: items.find((i) => i.productId === item.productId)?.addedAt ?? at,
      }));
      return { ...state, cart: withItems(state.cart, kept, at, cartId) };
    }
    case 'Order Completed': {
      const total = orderTotal(p);
      const products = productsOf(p, at) ?? [];
      return {
        cart: null,
        orderCount: state.orderCount + 1,
        lifetimeValue: Math.round((state.lifetimeValue + total) * 100) / 100,
        lastOrder: {
          orderId: text(p.order_id),
          total,
          currency: text(p.currency),
          at,
          productIds: products.map((item) => item.productId),
        },
      };
    }
    default:
      return state;
  }
}

/** Two customers folded into one: carts united (per product, the larger quantity), orders added up. */
export function combineCommerce(a: CommerceState, b: CommerceState): CommerceState {
  let cart: Cart | null = a.cart ?? b.cart;
  if (a.cart && b.cart) {
    const newer = a.cart.updatedAt >= b.cart.updatedAt ? a.cart : b.cart;
    const byProduct = new Map<string, CartItem>();
    for (const item of [...a.cart.items, ...b.cart.items]) {
      const seen = byProduct.get(item.productId);
      byProduct.set(
        item.productId,
        seen
          ? {
              ...seen,
              quantity: Math.max(seen.quantity, item.quantity),
              addedAt: seen.addedAt < item.addedAt ? seen.addedAt : item.addedAt,
            }
          : item,
      );
    }
    cart = {
      cartId: newer.cartId ?? a.cart.cartId ?? b.cart.cartId,
      items: [...byProduct.values()],
      updatedAt: newer.updatedAt,
    };
  }
  const lastOrder =
    a.lastOrder && b.lastOrder
      ? a.lastOrder.at >= b.lastOrder.at
        ? a.lastOrder
        : b.lastOrder
      : (a.lastOrder ?? b.lastOrder);
  return {
    cart,
    orderCount: a.orderCount + b.orderCount,
    lifetimeValue: Math.round((a.lifetimeValue + b.lifetimeValue) * 100) / 100,
    lastOrder,
  };
}
