/**
 * "Changed since the marker" as an LDAP filter object (never filter text with a value spliced in).
 *  - csn: entryCSN ≥ contextCSN (syncprov's CSNs; OpenLDAP's `entryCSN eq` index serves ≥,
 *    RECIPE §7.17). Inclusive: the entries of the marker's own change are read again, harmless.
 *  - usn: uSNChanged ≥ usn + 1 (AD indexes uSNChanged; the marker's USN itself was seen).
 *  - timestamp: modifyTimestamp ≥ at − overlap. modifyTimestamp has one-second resolution and the
 *    server's clock (RECIPE §7.6), `at` is this machine's: the overlap covers the skew.
 * Group membership is never read through this filter: the memberof overlay writes memberOf
 * without touching the user's entryCSN (RECIPE §7.4), so membership is re-read from the groups.
 */
import { GreaterThanEqualsFilter, type Filter } from 'ldapts';
import type { ChangeMarker } from './types';

/** Default overlap of a timestamp marker: clock skew between this machine and the server. */
export const DEFAULT_OVERLAP_SECONDS = 300;

export function changedSinceFilter(since: ChangeMarker, overlapSeconds = DEFAULT_OVERLAP_SECONDS): Filter {
  switch (since.kind) {
    case 'csn': {
      // Several providers: from the oldest of their CSNs (reads a little more, misses nothing).
      const oldest = since.contextCsn.split(' ').filter(Boolean).sort()[0] ?? since.contextCsn;
      return new GreaterThanEqualsFilter({ attribute: 'entryCSN', value: oldest });
    }
    case 'usn':
      return new GreaterThanEqualsFilter({ attribute: 'uSNChanged', value: (BigInt(since.usn) + 1n).toString() });
    case 'timestamp':
      return new GreaterThanEqualsFilter({ attribute: 'modifyTimestamp', value: generalizedTime(new Date(Date.parse(since.at) - overlapSeconds * 1000)) });
  }
}

/** LDAP GeneralizedTime in UTC to the second: 20250102030405Z. */
export function generalizedTime(at: Date): string {
  if (Number.isNaN(at.getTime())) throw new RangeError('the timestamp marker holds no valid time');
  return at.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}
