/**
 * Twilio's default opt-out handling keywords (Advanced Opt-Out defaults): a message whose whole
 * body is one of these, case-insensitive, changes SMS consent.
 */
const optOut = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'REVOKE']);
const optIn = new Set(['START', 'YES', 'UNSTOP']);
const help = new Set(['HELP', 'INFO']);

export type SmsKeyword = 'opt-out' | 'opt-in' | 'help';

export function classifySmsKeyword(body: string, twilioOptOutType?: string): SmsKeyword | undefined {
  // Twilio tells us when it applied its own opt-out handling; trust it first.
  const told = twilioOptOutType?.toUpperCase();
  if (told === 'STOP') return 'opt-out';
  if (told === 'START') return 'opt-in';
  if (told === 'HELP') return 'help';
  const word = body
    .trim()
    .replace(/[.!]+$/, '')
    .toUpperCase()
    .replace(/\s+/g, '');
  if (optOut.has(word)) return 'opt-out';
  if (optIn.has(word)) return 'opt-in';
  if (help.has(word)) return 'help';
  return undefined;
}
