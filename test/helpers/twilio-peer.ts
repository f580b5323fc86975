import { createRequire } from 'node:module';
import { startTwilioSink, type TwilioSink } from '../../demo/twilio-sink.js';

/**
 * The Twilio peer: the demo's SMS sink, holding every request to Twilio's own OpenAPI description
 * (shipped in @twilio-alpha/mcp): unknown or missing parameters are answered 400 as Twilio would,
 * so the real twilio client is exercised against the real contract.
 */
const spec = createRequire(import.meta.url)(
  '@twilio-alpha/mcp/twilio-oai/spec/json/twilio_api_v2010.json',
) as {
  paths: Record<
    string,
    {
      post: {
        requestBody: {
          content: Record<string, { schema: { properties: Record<string, unknown>; required?: string[] } }>;
        };
      };
    }
  >;
};
const messagesSchema =
  spec.paths['/2010-04-01/Accounts/{AccountSid}/Messages.json']!.post.requestBody.content[
    'application/x-www-form-urlencoded'
  ]!.schema;

export type TwilioPeer = TwilioSink;

export function startTwilioPeer(): Promise<TwilioPeer> {
  return startTwilioSink({
    checkRequest(params) {
      const unknown = Object.keys(params).filter((key) => !(key in messagesSchema.properties));
      const missing = (messagesSchema.required ?? []).filter((key) => !(key in params));
      if (!params.From && !params.MessagingServiceSid) missing.push('From or MessagingServiceSid');
      if (!params.Body && !params.MediaUrl && !params.ContentSid) missing.push('Body');
      return [
        ...(unknown.length > 0 ? [`unknown: ${unknown.join(',')}`] : []),
        ...(missing.length > 0 ? [`missing: ${missing.join(',')}`] : []),
      ];
    },
  });
}
