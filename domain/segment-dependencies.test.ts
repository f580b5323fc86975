import { describe, expect, it } from 'vitest';
import type { SegmentDefinition } from './segment-definition.js';
import { anchorEvents, segmentDependencies } from './segment-dependencies.js';

const segment = (id: string, conditions: SegmentDefinition['conditions']): SegmentDefinition => ({
  id,
  name: id,
  match: 'all',
  conditions,
});

describe('segment dependencies', () => {
  const deps = segmentDependencies([
    segment('vip-browsers', [{ segment: 'vip' }, { segment: 'browsers' }]),
    segment('browsers', [{ event: 'Product Viewed', count: { gte: 3 }, within: '7d' }]),
    segment('vip', [{ trait: { path: 'plan', op: 'eq', value: 'vip' } }]),
    segment('lapsed', [{ not: { event: 'Order Completed', count: { gte: 1 }, within: '60d' } }]),
    segment('mailable', [{ reachable: 'email' }]),
  ]);

  it('evaluates a referenced segment before the ones that name it', () => {
    expect(deps.order.indexOf('vip')).toBeLessThan(deps.order.indexOf('vip-browsers'));
    expect(deps.order.indexOf('browsers')).toBeLessThan(deps.order.indexOf('vip-browsers'));
  });

  it('a track event touches the segments counting it and those naming them; identify the profile readers', () => {
    expect(deps.affectedBy({ type: 'track', name: 'Product Viewed' })).toEqual(['browsers', 'vip-browsers']);
    expect(deps.affectedBy({ type: 'track', name: 'Order Completed' })).toEqual(['lapsed']);
    expect(deps.affectedBy({ type: 'track', name: 'Page Loaded' })).toEqual([]);
    expect(deps.affectedBy({ type: 'identify', name: null }).sort()).toEqual([
      'mailable',
      'vip',
      'vip-browsers',
    ]);
    expect(deps.affectedBy({ type: 'page', name: 'Home' })).toEqual([]);
    expect([...deps.eventNames].sort()).toEqual(['Order Completed', 'Product Viewed']);
    expect(deps.readsProfile).toBe(true);
  });

  it('a track event touches only segments with a condition that counts it (its where too)', () => {
    const shoes = segmentDependencies([
      segment('shoes', [
        {
          event: 'Product Viewed',
          where: { path: 'event.properties.category', op: 'eq', value: 'shoes' },
          count: { gte: 1 },
        },
      ]),
    ]);
    const viewed = (category: string) => ({
      type: 'track',
      name: 'Product Viewed',
      properties: { category },
      occurredAt: new Date(0),
    });
    expect(shoes.affectedBy(viewed('shoes'))).toEqual(['shoes']);
    expect(shoes.affectedBy(viewed('hats'))).toEqual([]);
  });

  it('names the events every member must have, when there are such', () => {
    const views = { event: 'Product Viewed', count: { gte: 3 }, within: '7d' };
    const noOrder = { event: 'Order Completed', count: { eq: 0 }, within: '60d' };
    expect(anchorEvents(segment('a', [noOrder, views]))).toEqual(['Product Viewed']);
    expect(anchorEvents(segment('b', [noOrder]))).toBeUndefined();
    expect(anchorEvents(segment('c', [{ not: views }]))).toBeUndefined();
    expect(anchorEvents({ ...segment('d', [views, { ...views, event: 'Added' }]), match: 'any' })).toEqual([
      'Product Viewed',
      'Added',
    ]);
    expect(anchorEvents({ ...segment('e', [views, { reachable: 'email' }]), match: 'any' })).toBeUndefined();
  });
});
