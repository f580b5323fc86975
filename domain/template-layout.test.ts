import { describe, expect, it } from 'vitest';
import { parseTemplateFileName } from './template-layout.js';

describe('template folder layout', () => {
  it('reads channel, part and locale from a file name', () => {
    expect(parseTemplateFileName('email.mjml')).toMatchObject({
      locale: undefined,
      what: { channel: 'email', part: 'html' },
    });
    expect(parseTemplateFileName('sms.de-CH.txt')).toMatchObject({
      locale: 'de-CH',
      what: { channel: 'sms', part: 'text' },
    });
    expect(parseTemplateFileName('push.fr.yaml')).toMatchObject({ locale: 'fr', what: { channel: 'push' } });
    expect(parseTemplateFileName('template.yaml')).toMatchObject({ what: { kind: 'settings' } });
  });

  it('names a misspelt file with a suggestion, and refuses a locale on the settings', () => {
    expect(parseTemplateFileName('emial.mjml')).toEqual({
      problem: expect.stringContaining('did you mean "email.mjml"?'),
    });
    expect(parseTemplateFileName('sms.French.txt')).toEqual({
      problem: expect.stringContaining('not a locale tag'),
    });
    expect(parseTemplateFileName('template.fr.yaml')).toHaveProperty('problem');
  });
});
