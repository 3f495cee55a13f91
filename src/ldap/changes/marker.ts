/**
 * Reading the change marker: one rootDSE search, plus one base search (the naming context's
 * contextCSN, or the DC's NTDS Settings for its invocationId). An idle delta poll costs exactly
 * this, so it stays at two small searches however big the directory is.
 *
 * Observed on the dev slapd (OpenLDAP 2.5, syncprov + memberof/refint, test/ldap-changes.test.ts):
 * contextCSN is not in the rootDSE but on the suffix entry (requested by name: it is operational);
 * syncprov answers it from memory (its checkpoint only bounds how often it is written to disk), and
 * it moves on every add, modify (a password change too), delete and group member edit, including
 * the refint clean-up of a deleted user's memberships. Anonymous binds get noSuchObject there
 * (the ACL), the reader account reads it. Reading it costs ~1 ms on loopback.
 * On Samba AD (test/ldap-changes-ad.test.ts): highestCommittedUSN and dsServiceName are in the
 * rootDSE, and the read-only service account may read the NTDS Settings entry's invocationId.
 */
import { ResultCodeError, type Entry } from 'ldapts';
import { DirectoryError, type DirectoryConfig } from '../connect';
import { normalizeDn } from '../dn';
import { attr, idString, text } from '../snapshot/entries';
import { wrap } from '../snapshot/read-errors';
import type { SearchClient } from '../snapshot/types';
import type { ChangeMarker } from './types';

/**
 * The directory's marker now; null when it offers none this account may read (no syncprov
 * overlay, no rights, userBase outside every naming context). A lost connection throws.
 */
export async function readChangeMarker(client: SearchClient, dir: DirectoryConfig): Promise<ChangeMarker | null> {
  const root = await baseEntry(client, '', ['namingContexts', 'highestCommittedUSN', 'dsServiceName']);
  if (root === null) return null;
  const usn = attr(root, 'highestCommittedUSN').map(text)[0];
  if (usn) return usnMarker(client, usn, attr(root, 'dsServiceName').map(text)[0]);
  const base = namingContextOf(attr(root, 'namingContexts').map(text), dir.userBase);
  if (base === null) return null;
  const context = await baseEntry(client, base, ['contextCSN']);
  const csns = context === null ? [] : attr(context, 'contextCSN').map(text).filter((v) => v !== '').sort();
  return csns.length === 0 ? null : { kind: 'csn', base, contextCsn: csns.join(' ') };
}

/** AD: the USN is only meaningful with the DC it counts on and that DC's database instance. */
async function usnMarker(client: SearchClient, usn: string, server: string | undefined): Promise<ChangeMarker | null> {
  if (!server) return null;
  const settings = await baseEntry(client, server, ['invocationId'], ['invocationId']);
  const raw = settings === null ? undefined : attr(settings, 'invocationId')[0];
  if (raw === undefined) return null;
  // A 16-byte GUID, printed the way AD prints GUIDs (same as objectGUID).
  return { kind: 'usn', server, invocationId: idString(raw, 'objectGUID'), usn };
}

/** The naming context that holds `userBase` (the longest one, for a subordinate database). */
export function namingContextOf(contexts: string[], userBase: string): string | null {
  const key = normalizeDn(userBase);
  let best: string | null = null;
  for (const nc of contexts) {
    const ncKey = normalizeDn(nc);
    const holds = ncKey === '' ? false : key === ncKey || key.endsWith(`,${ncKey}`);
    if (holds && (best === null || ncKey.length > normalizeDn(best).length)) best = nc;
  }
  return best;
}

/** One entry by base search; null when the server refuses or lacks it (an LDAP result, not a failure). */
export async function baseEntry(client: SearchClient, dn: string, attributes: string[], binary: string[] = []): Promise<Entry | null> {
  const bound = client.isBound;
  let entry: Entry | undefined;
  try {
    const res = await client.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes, explicitBufferAttributes: binary });
    entry = res.searchEntries[0];
  } catch (err) {
    if (!(err instanceof ResultCodeError)) throw wrap(`reading the directory's change marker at "${dn}"`, err);
    entry = undefined;
  }
  // ldapts re-opens a dropped connection unauthenticated: "no rights" would then be a lie.
  if (bound && !client.isBound) {
    throw new DirectoryError(`reading the directory's change marker at "${dn}" failed: the connection to the LDAP server was lost and re-opened unauthenticated`, true);
  }
  return entry ?? null;
}

/** How a stored marker relates to the one read now. */
export type MarkerComparison = { kind: 'idle' } | { kind: 'moved' } | { kind: 'full'; reason: string };

export function compareMarkers(since: ChangeMarker, now: ChangeMarker | null): MarkerComparison {
  if (since.kind === 'timestamp') {
    // Never idle-gated; but a directory that now offers a real marker should get one: a full run resets it.
    return now === null ? { kind: 'moved' } : { kind: 'full', reason: `the directory now offers a ${now.kind} change marker (${markerText(now)}) where a timestamp was stored; a full reconcile stores it` };
  }
  if (now === null) {
    return { kind: 'full', reason: `the directory no longer offers a change marker this account can read (stored: ${markerText(since)})` };
  }
  if (now.kind !== since.kind) {
    return { kind: 'full', reason: `the change marker changed kind (stored: ${markerText(since)}; now: ${markerText(now)})` };
  }
  if (since.kind === 'csn' && now.kind === 'csn') {
    if (normalizeDn(since.base) !== normalizeDn(now.base)) return { kind: 'full', reason: `the naming context holding directory.userBase changed from "${since.base}" to "${now.base}"` };
    if (since.contextCsn === now.contextCsn) return { kind: 'idle' };
    // A CSN starts with its time: a provider's value going back means a restored or replaced database.
    const before = csnsBySid(since.contextCsn);
    for (const [sid, csn] of csnsBySid(now.contextCsn)) {
      const old = before.get(sid);
      if (old !== undefined && csn < old) return { kind: 'full', reason: `contextCSN went back (${old} → ${csn}): the directory was restored or replaced` };
    }
    return { kind: 'moved' };
  }
  if (since.kind === 'usn' && now.kind === 'usn') {
    if (normalizeDn(since.server) !== normalizeDn(now.server)) {
      return { kind: 'full', reason: `another domain controller answered (${now.server}; the stored USN ${since.usn} counts on ${since.server})` };
    }
    if (since.invocationId.toLowerCase() !== now.invocationId.toLowerCase()) {
      return { kind: 'full', reason: `the domain controller's invocationId changed (${since.invocationId} → ${now.invocationId}): it was restored from a backup, so its USNs were reused` };
    }
    const [was, is] = [BigInt(since.usn), BigInt(now.usn)];
    if (is === was) return { kind: 'idle' };
    if (is < was) return { kind: 'full', reason: `highestCommittedUSN went back (${since.usn} → ${now.usn}) on ${now.server}` };
    return { kind: 'moved' };
  }
  return { kind: 'full', reason: `unexpected change markers (stored: ${markerText(since)}; now: ${markerText(now)})` };
}

/** The CSN's serverID is its third '#' field (`time#count#sid#mod`). */
function csnsBySid(contextCsn: string): Map<string, string> {
  return new Map(contextCsn.split(' ').filter(Boolean).map((csn) => [csn.split('#')[2] ?? '', csn]));
}

/** A marker in words, for logs and the CLI. */
export function markerText(m: ChangeMarker): string {
  switch (m.kind) {
    case 'csn':
      return `contextCSN ${m.contextCsn} of "${m.base}"`;
    case 'usn':
      return `highestCommittedUSN ${m.usn} on "${m.server}" (invocationId ${m.invocationId})`;
    case 'timestamp':
      return `modifyTimestamp since ${m.at}`;
  }
}
