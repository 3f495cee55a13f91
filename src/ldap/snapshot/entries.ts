/** Reading values out of ldapts search entries. */
import type { Entry } from 'ldapts';

/** ldapts returns one value as a scalar, several as an array, a requested-but-absent one as []. */
export function values(v: Entry[string] | undefined): Array<string | Buffer> {
  if (v === undefined) return [];
  return Array.isArray(v) ? (v as Array<string | Buffer>) : [v as string | Buffer];
}

/** An attribute by name, case-insensitively (servers echo their own spelling). Ranged forms excluded. */
export function attr(entry: Entry, name: string): Array<string | Buffer> {
  if (name in entry) return values(entry[name]);
  const lower = name.toLowerCase();
  for (const key of Object.keys(entry)) if (key.toLowerCase() === lower) return values(entry[key]);
  return [];
}

export function text(v: string | Buffer): string {
  return typeof v === 'string' ? v : v.toString('utf8');
}

/** objectGUID as AD prints it (first three groups little-endian); other binary ids as hex. */
export function idString(v: string | Buffer | undefined, attribute: string): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (attribute.toLowerCase() === 'objectguid' && v.length === 16) {
    const h = (i: number) => v[i].toString(16).padStart(2, '0');
    const part = (idx: number[]) => idx.map(h).join('');
    return `${part([3, 2, 1, 0])}-${part([5, 4])}-${part([7, 6])}-${part([8, 9])}-${part([10, 11, 12, 13, 14, 15])}`;
  }
  return v.toString('hex');
}

/** An AD ranged attribute name: `member;range=0-1499` (the last range ends in `*`). */
export const RANGE = /^(.+);range=(\d+)-(\d+|\*)$/i;
