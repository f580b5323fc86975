import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import webpush from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTemplateDirs } from '../catalog/template-lint.js';
import { createPushAdapter, push } from '../delivery/channels/push.js';
import { startPushPeer, type PushPeer } from './helpers/push-peer.js';

const context = {
  profile: { traits: { name: 'Ann' } },
  trigger: { name: 'Spring Opened', properties: {} },
  cart: null,
  journey: { id: 'spring-sale', step: 'announce' },
  shop: { url: 'https://shop.example.test', name: 'Shop' },
};

/** push.yaml `icon:` (optional): checked like the other parts, rendered, and in the payload the push service gets. */
describe('push icon', () => {
  let peer: PushPeer;
  let folder: string;
  beforeAll(async () => {
    peer = await startPushPeer();
    folder = await mkdtemp(path.join(tmpdir(), 'omnijourney-push-icon-'));
  });
  afterAll(async () => {
    await peer?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('a push.yaml icon is accepted, rendered with its Liquid and delivered in the payload', async () => {
    const dir = path.join(folder, 'spring-push');
    await mkdir(dir);
    await writeFile(
      path.join(dir, 'push.yaml'),
      "title: Spring is here, {{ profile.traits.name }}\nbody: 20% off\nurl: '{{ shop.url }}/spring'\nicon: '{{ shop.url }}/icons/spring.png'\n",
    );
    const [checked] = checkTemplateDirs([dir]);
    expect(checked?.problems).toEqual([]);
    const parts = checked?.folder.content.default.push;
    expect(parts?.icon).toBe('{{ shop.url }}/icons/spring.png');

    const message = await push.render(parts!, context);
    expect(message.icon).toBe('https://shop.example.test/icons/spring.png');
    const withoutIcon = await push.render({ ...parts!, icon: 'javascript:alert(1)' }, context);
    expect(withoutIcon).not.toHaveProperty('icon');

    const subscription = peer.subscribe();
    const adapter = createPushAdapter({
      vapid: { ...webpush.generateVAPIDKeys(), subject: 'mailto:ops@example.test' },
      agent: peer.agent,
    });
    await adapter.send({
      message,
      recipient: { channel: 'push', subscription },
      idempotencyKey: 'push-icon-test',
      category: 'marketing',
    });
    expect(peer.received.find((r) => r.endpoint === subscription.endpoint)?.payload).toEqual({
      title: 'Spring is here, Ann',
      body: '20% off',
      url: 'https://shop.example.test/spring',
      icon: 'https://shop.example.test/icons/spring.png',
    });
  });

  it('an unknown key in push.yaml is refused with a suggestion', async () => {
    const dir = path.join(folder, 'typo-push');
    await mkdir(dir);
    await writeFile(
      path.join(dir, 'push.yaml'),
      'title: Hi\nbody: Yo\nurl: https://x.test\nicn: https://x.test/i.png\n',
    );
    const [checked] = checkTemplateDirs([dir]);
    expect(checked?.problems.map((p) => p.message)).toEqual([
      'unknown key "icn" (did you mean "icon"?); expected title, body, url, icon',
    ]);
  });
});
