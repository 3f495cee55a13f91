/**
 * What `config check` says about delta sync: which change marker the directory offers this
 * account, and whether "changed since the marker" is served by an index.
 *
 * A delta poll asks for the users changed since a marker: OpenLDAP `(entryCSN>=…)`, AD
 * `(uSNChanged>=…)`, or — where neither marker can be read — `(modifyTimestamp>=…)`. Unindexed,
 * each poll makes the server scan every entry under userBase (~75 ms per 100k entries on the dev
 * slapd), every 30 s. OpenLDAP's index is in cn=config, which a read-only account usually may not
 * read: the check then says so and times one such search instead.
 */
import { EqualityFilter } from 'ldapts';
import { changedSinceFilter, markerText, readChangeMarker, type ChangeMarker } from './changes';
import type { DirectoryConfig } from './connect';
import type { SearchClient } from './snapshot/types';

export interface DeltaReadiness {
  marker: ChangeMarker | null;
  /** The attribute "changed since" filters on. */
  attribute: 'entryCSN' | 'uSNChanged' | 'modifyTimestamp';
  /** true / false when cn=config could be read (OpenLDAP), null when not known. */
  indexed: boolean | null;
  /** One "changed since now" search under userBase, in ms. */
  probeMs: number;
  advice: string[];
}

/** A probe slower than this suggests the server scans entries instead of using an index. */
const SLOW_PROBE_MS = 50;

export async function checkDeltaReadiness(client: SearchClient, dir: DirectoryConfig): Promise<DeltaReadiness> {
  const marker = await readChangeMarker(client, dir);
  const since: ChangeMarker = marker ?? { kind: 'timestamp', at: new Date().toISOString() };
  const attribute = since.kind === 'csn' ? 'entryCSN' : since.kind === 'usn' ? 'uSNChanged' : 'modifyTimestamp';
  const t0 = performance.now();
  await client.search(dir.userBase, { scope: 'sub', filter: changedSinceFilter(since, 0), attributes: ['1.1'], sizeLimit: 1 }).catch(() => undefined);
  const probeMs = Math.round(performance.now() - t0);
  const indexed = since.kind === 'usn' ? true : await openLdapIndexed(client, dir, attribute);
  const advice: string[] = [];
  if (marker === null) {
    advice.push(
      dir.type === 'activeDirectory'
        ? 'the domain controller offers no readable highestCommittedUSN/invocationId to this account: delta polls cannot skip idle directories; check the bind account may read the rootDSE and the DC\'s NTDS Settings'
        : 'no contextCSN readable at the naming context of directory.userBase: load the syncprov overlay (it keeps contextCSN) so idle polls cost one search; until then every delta poll re-reads the mapped groups and the users with modifyTimestamp ≥ the last read − 300 s',
    );
  }
  if (indexed === false) advice.push(`${attribute} is not indexed: add \`olcDbIndex: ${attribute} eq\` (the eq index also serves ≥) to the database of directory.userBase`);
  if (indexed === null && probeMs > SLOW_PROBE_MS) {
    advice.push(`a "changed since" search took ${probeMs} ms; make sure ${attribute} is indexed (OpenLDAP: \`olcDbIndex: ${attribute} eq\`)`);
  }
  return { marker, attribute, indexed, probeMs, advice };
}

/** The olcDbIndex of the database holding userBase, when this account may read cn=config. */
async function openLdapIndexed(client: SearchClient, dir: DirectoryConfig, attribute: string): Promise<boolean | null> {
  try {
    const res = await client.search('cn=config', { scope: 'one', filter: new EqualityFilter({ attribute: 'objectClass', value: 'olcDatabaseConfig' }), attributes: ['olcSuffix', 'olcDbIndex'] });
    const base = dir.userBase.toLowerCase().replace(/\s+/g, '');
    const db = res.searchEntries.find((e) => [e.olcSuffix].flat().some((s) => base.endsWith(String(s).toLowerCase().replace(/\s+/g, ''))));
    if (!db) return null;
    const lines = [db.olcDbIndex ?? []].flat().map((v) => String(v).toLowerCase());
    return lines.some((l) => l.split(/\s+/)[0].split(',').includes(attribute.toLowerCase()) && /\beq\b/.test(l));
  } catch {
    return null;
  }
}

export function readinessText(r: DeltaReadiness): string {
  const marker = r.marker ? markerText(r.marker) : 'no change marker (modifyTimestamp fallback)';
  const index = r.indexed === true ? 'indexed' : r.indexed === false ? 'NOT indexed' : 'index not readable';
  return `delta: ${marker}; changed-since on ${r.attribute} (${index}, ${r.probeMs} ms)${r.advice.length ? `; ${r.advice.join('; ')}` : ''}`;
}
