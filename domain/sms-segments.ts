/**
 * How many SMS segments a text takes (3GPP TS 23.038): GSM-7 when every character is in the
 * default alphabet or its extension table (the extension ones count twice), else UCS-2.
 * One segment holds 160 GSM-7 units or 70 UCS-2 ones; a longer text is split into parts of
 * 153 or 67 (the rest carries the concatenation header).
 */
const gsmBasic =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const gsmExtension = '^{}\\[~]|€\f';

export interface SmsSegments {
  encoding: 'GSM-7' | 'UCS-2';
  /** Length in the encoding's units (GSM-7 septets, UCS-2 code units). */
  units: number;
  segments: number;
}

/** Above this many segments a template check warns: each segment is billed as one SMS. */
export const smsSegmentWarning = 3;

export function smsSegments(text: string): SmsSegments {
  let septets = 0;
  let gsm = true;
  for (const char of text) {
    if (gsmBasic.includes(char)) septets += 1;
    else if (gsmExtension.includes(char)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm)
    return { encoding: 'GSM-7', units: septets, segments: septets <= 160 ? 1 : Math.ceil(septets / 153) };
  const units = text.length; // UTF-16 code units: an emoji takes two, as on the air
  return { encoding: 'UCS-2', units, segments: units <= 70 ? 1 : Math.ceil(units / 67) };
}
