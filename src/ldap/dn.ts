/**
 * Distinguished-name normalisation, so a `member` value and the DN of the entry it names match
 * even when they differ in case, spacing or escaping (`uid=Bob, ou=People` vs `uid=bob,ou=people`).
 * The result is a lookup key only: it is never sent to a server (the original string is).
 *
 * Values are compared case-insensitively with runs of whitespace collapsed, as the
 * caseIgnoreMatch rule used by the usual naming attributes (cn, uid, ou, dc) does.
 */

const HEX = /^[0-9a-fA-F]{2}$/;
/** type=value pairs joined by ',', values with single inner spaces and no special characters. */
const PLAIN_DN = /^[A-Za-z][\w.-]*=[^\s,=+"\\<>;#]+(?: [^\s,=+"\\<>;#]+)*(?:,[A-Za-z][\w.-]*=[^\s,=+"\\<>;#]+(?: [^\s,=+"\\<>;#]+)*)*$/;

/** Splits on an unescaped separator character, keeping escapes intact. */
function splitUnescaped(text: string, separators: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + text[i + 1];
      i++;
    } else if (separators.includes(ch)) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/** Decodes RFC 4514 escapes (`\,` and `\2C`, including multi-byte UTF-8 as hex pairs). */
function unescapeValue(raw: string): string {
  if (!raw.includes('\\')) return raw; // the common case, kept cheap: 100k+ DNs per read
  const bytes: number[] = [];
  const pushText = (s: string) => bytes.push(...Buffer.from(s, 'utf8'));
  const text = raw;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && i + 1 < text.length) {
      const pair = text.slice(i + 1, i + 3);
      if (HEX.test(pair)) {
        bytes.push(parseInt(pair, 16));
        i += 2;
      } else {
        pushText(text[i + 1]);
        i += 1;
      }
    } else {
      pushText(ch);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Escapes the characters that would make the key ambiguous. */
function escapeKey(value: string): string {
  return value.replace(/[\\,+=;"<>#]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * A canonical key for a DN: attribute types and values lower-cased, insignificant whitespace
 * removed, escapes decoded and re-encoded one way, multi-valued RDN parts sorted.
 */
export function normalizeDn(dn: string): string {
  const trimmed = dn.trim();
  if (trimmed === '') return '';
  // Fast path for the usual DN (no escapes, quoting, multi-valued RDNs or stray spaces), which
  // is already canonical once lower-cased: 100k+ DNs per directory read.
  if (PLAIN_DN.test(trimmed)) return trimmed.toLowerCase();
  return splitUnescaped(trimmed, ',;')
    .map((rdn) =>
      splitUnescaped(rdn, '+')
        .map((ava) => {
          const eq = ava.indexOf('=');
          if (eq < 0) return escapeKey(ava.trim().toLowerCase());
          const type = ava.slice(0, eq).trim().toLowerCase();
          const rawValue = ava.slice(eq + 1);
          // A '#'-prefixed value is hex-encoded BER: compare it as given, lower-cased.
          // Otherwise decode, then drop insignificant whitespace (an escaped trailing space is
          // dropped too: harmless for a lookup key).
          const value = rawValue.trim().startsWith('#')
            ? rawValue.trim().toLowerCase()
            : escapeKey(unescapeValue(rawValue).toLowerCase().replace(/\s+/g, ' ').trim());
          return `${type}=${value}`;
        })
        .sort()
        .join('+'),
    )
    .join(',');
}
