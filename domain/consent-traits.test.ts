import { describe, expect, it } from 'vitest';
import { consentFromTraits } from './consent-traits.js';
import { classifySmsKeyword } from './sms-keywords.js';

describe('consent traits and SMS keywords', () => {
  it('reads traits.consent', () => {
    expect(
      consentFromTraits({ consent: { email: true, sms: 'unsubscribed', push: 'maybe', fax: true } }),
    ).toEqual({
      email: 'subscribed',
      sms: 'unsubscribed',
    });
    expect(consentFromTraits({ consent: 'yes' })).toEqual({});
  });
  it('classifies Twilio keywords', () => {
    expect(classifySmsKeyword(' Stop ')).toBe('opt-out');
    expect(classifySmsKeyword('unsubscribe.')).toBe('opt-out');
    expect(classifySmsKeyword('start')).toBe('opt-in');
    expect(classifySmsKeyword('HELP')).toBe('help');
    expect(classifySmsKeyword('please stop sending')).toBeUndefined();
    expect(classifySmsKeyword('anything', 'STOP')).toBe('opt-out');
  });
});
