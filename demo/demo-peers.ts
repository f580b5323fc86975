import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Secrets } from '../config/config.js';
import { createEmailAdapter } from '../delivery/channels/email.js';
import { createPushAdapter } from '../delivery/channels/push.js';
import { createSmsAdapter } from '../delivery/channels/sms.js';
import type { ChannelAdapter } from '../delivery/channel-adapter.js';
import { allowPushPeer } from '../delivery/push-endpoints.js';
import { startPushService, type PushService } from './push-service.js';
import { startSmtpCatcher, type SmtpCatcher } from './smtp-catcher.js';
import { startTwilioSink, type TwilioSink } from './twilio-sink.js';

/**
 * The demo's stand-ins for the providers, all on 127.0.0.1 so nothing leaves the machine: a mail
 * catcher (messages also saved as .eml files), an SMS sink speaking Twilio's Messages API and a
 * push service that decrypts what it receives. The channel adapters are the production ones.
 */
export interface DemoPeers {
  smtp: SmtpCatcher;
  sms: TwilioSink;
  push: PushService;
  mailFolder: string;
  adapters(secrets: Partial<Secrets>): ChannelAdapter[];
  counts(): { emails: number; sms: number; push: number };
  close(): Promise<void>;
}

export async function startDemoPeers(dataDir: string): Promise<DemoPeers> {
  const mailFolder = path.join(dataDir, 'demo', 'mail');
  await mkdir(mailFolder, { recursive: true });
  const [smtp, sms, push] = await Promise.all([
    startSmtpCatcher({ saveTo: mailFolder }),
    startTwilioSink(),
    startPushService(),
  ]);
  // The demo's push service is on 127.0.0.1, which the engine otherwise never calls: allowed by its origin only.
  const disallowPush = allowPushPeer(push.url);
  return {
    smtp,
    sms,
    push,
    mailFolder,
    adapters(secrets) {
      const adapters: ChannelAdapter[] = [
        createEmailAdapter({
          smtpUrl: smtp.url,
          from: 'Demo Shop <shop@demo.test>',
          messageIdDomain: 'demo.test',
        }),
        createSmsAdapter({
          accountSid: sms.accountSid,
          authToken: sms.authToken,
          from: '+15005550006',
          apiBaseUrl: sms.url,
        }),
      ];
      if (secrets.vapid) adapters.push(createPushAdapter({ vapid: secrets.vapid, agent: push.agent }));
      return adapters;
    },
    counts: () => ({ emails: smtp.messages.length, sms: sms.messages.length, push: push.received.length }),
    async close() {
      disallowPush();
      await Promise.all([smtp.close(), sms.close(), push.close()]);
    },
  };
}
