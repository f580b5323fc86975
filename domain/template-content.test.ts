import { describe, expect, it } from 'vitest';
import { localeChain, partsForLocale, type TemplateContent } from './template-content.js';

const sms = (text: string) => ({ sms: { text } });
const content: TemplateContent = {
  default: sms('Hello'),
  locales: { de: sms('Hallo'), 'de-CH': sms('Grüezi'), fr: sms('Bonjour') },
};

describe('locale fallback', () => {
  it('tries the profile locale, then its language, then the default', () => {
    expect(localeChain('de-CH')).toEqual(['de-CH', 'de']);
    expect(partsForLocale(content, 'de-CH')).toEqual({ parts: sms('Grüezi'), locale: 'de-CH' });
    expect(partsForLocale(content, 'de-AT')).toEqual({ parts: sms('Hallo'), locale: 'de' });
    expect(partsForLocale(content, 'fr_BE')).toEqual({ parts: sms('Bonjour'), locale: 'fr' });
    expect(partsForLocale(content, 'de-ch').locale).toBe('de-CH');
    expect(partsForLocale(content, 'it')).toEqual({ parts: sms('Hello'), locale: undefined });
    expect(partsForLocale(content, null).locale).toBeUndefined();
  });
});
