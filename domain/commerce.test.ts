import { describe, expect, it } from 'vitest';
import { applyCommerceEvent, combineCommerce, emptyCommerce, type CommerceState } from './commerce.js';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 10, minute));
const apply = (state: CommerceState, name: string, properties: Record<string, unknown>, minute = 0) =>
  applyCommerceEvent(state, { name, properties, occurredAt: at(minute) });

describe('commerce state', () => {
  it('builds a cart from Product Added / Removed', () => {
    let s = apply(emptyCommerce, 'Product Added', { product_id: 'a', price: 10, cart_id: 'c1' });
    s = apply(s, 'Product Added', { product_id: 'a', quantity: 2 }, 1);
    s = apply(s, 'Product Added', { sku: 'b', price: '4.5' }, 2);
    expect(s.cart).toMatchObject({
      cartId: 'c1',
      items: [
        { productId: 'a', quantity: 3, price: 10 },
        { productId: 'b', quantity: 1, price: 4.5 },
      ],
    });
    s = apply(s, 'Product Removed', { product_id: 'a', quantity: 1 }, 3);
    expect(s.cart?.items.map((i) => [i.productId, i.quantity])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    s = apply(s, 'Product Removed', { product_id: 'a' }, 4);
    expect(s.cart?.items.map((i) => i.productId)).toEqual(['b']);
  });

  it('takes Cart Viewed / Checkout Started as the whole cart', () => {
    let s = apply(emptyCommerce, 'Product Added', { product_id: 'a' });
    s = apply(
      s,
      'Checkout Started',
      { products: [{ product_id: 'x', quantity: 2 }, { nonsense: true }, 'bad'] },
      5,
    );
    expect(s.cart?.items).toEqual([{ productId: 'x', quantity: 2, addedAt: at(5).toISOString() }]);
  });

  it('Order Completed empties the cart and counts the order', () => {
    let s = apply(emptyCommerce, 'Product Added', { product_id: 'a' });
    s = apply(
      s,
      'Order Completed',
      { order_id: 'o1', total: 19.99, currency: 'EUR', products: [{ product_id: 'a' }] },
      9,
    );
    s = apply(s, 'Order Completed', { order_id: 'o2', revenue: '5.01' }, 10);
    expect(s).toMatchObject({
      cart: null,
      orderCount: 2,
      lifetimeValue: 25,
      lastOrder: { orderId: 'o2', total: 5.01 },
    });
  });

  it('ignores other events and events without a product', () => {
    expect(apply(emptyCommerce, 'Page Viewed', { product_id: 'a' })).toBe(emptyCommerce);
    expect(apply(emptyCommerce, 'Product Added', { price: 3 })).toBe(emptyCommerce);
  });

  it('unites two customers: carts merged per product, orders added', () => {
    const a = apply(
      apply(emptyCommerce, 'Product Added', { product_id: 'p', quantity: 2 }),
      'Order Completed',
      { total: 10 },
      1,
    );
    const aCart = apply(a, 'Product Added', { product_id: 'p', quantity: 2 }, 2);
    const b = apply(
      apply(emptyCommerce, 'Product Added', { product_id: 'p' }, 3),
      'Product Added',
      { product_id: 'q' },
      4,
    );
    const merged = combineCommerce(aCart, b);
    expect(merged.cart?.items.map((i) => [i.productId, i.quantity])).toEqual([
      ['p', 2],
      ['q', 1],
    ]);
    expect(merged.orderCount).toBe(1);
    expect(merged.lifetimeValue).toBe(10);
  });
});
