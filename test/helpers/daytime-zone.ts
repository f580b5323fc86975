/**
 * An Etc/GMT zone where it is about `hour` o'clock at `now`, so marketing sends in a test fall
 * outside quiet hours whatever the machine's clock says.
 */
export function zoneWhereItIs(hour: number, now: Date = new Date()): string {
  let offset = hour - now.getUTCHours();
  if (offset > 14) offset -= 24;
  if (offset < -12) offset += 24;
  // Etc/GMT zones name the offset with the opposite sign.
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}
