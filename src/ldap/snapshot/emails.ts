/**
 * Step 5, first pass: users are keyed by lower-cased email, in DN order (so the kept entry of a
 * duplicate is stable). Members without an email, with an invalid one, and duplicate emails are
 * warnings — never dropped silently.
 */
import type { DirectoryWarning } from '../../domain/types';
import { rewriteEmailDomain } from '../../config/directory-types';
import { unpackFields, type UserRecord } from './records';

/**
 * Sets `email` on each user that is provisioned (the first of duplicates gets the others' groups);
 * returns the keys of the users in a mapped group, in DN order, for the hand-over.
 */
export function settleEmails(users: Map<string, UserRecord>, mappedList: string[], emailAttr: string, emailDomains: Record<string, string>, warnings: DirectoryWarning[]): string[] {
  const keys: string[] = [];
  for (const [ukey, rec] of users) if (rec.groups) keys.push(ukey);
  keys.sort();
  const keptFor = new Map<string, UserRecord>(); // email → the entry kept; dropped on return
  for (const ukey of keys) {
    const rec = users.get(ukey) as UserRecord;
    const email = usableEmail(rec, mappedList, emailAttr, emailDomains, warnings);
    if (email === null) continue;
    const kept = keptFor.get(email);
    if (kept !== undefined) {
      mergeDuplicate(kept, rec, email, warnings);
      continue;
    }
    keptFor.set(email, rec);
    rec.email = email;
  }
  return keys;
}

/** The user's first email, lower-cased; null (with a warning) when it has none or it is not an email. */
function usableEmail(rec: UserRecord, mappedList: string[], emailAttr: string, emailDomains: Record<string, string>, warnings: DirectoryWarning[]): string | null {
  const groupNames = (rec.groups as readonly number[]).map((i) => `"${mappedList[i]}"`).join(', ');
  const [, , ...emails] = unpackFields(rec.fields);
  if (emails.length === 0) {
    warnings.push({ code: 'no_email', subject: rec.dn, message: `member of ${groupNames} has no ${emailAttr} value; not provisioned` });
    return null;
  }
  const distinct = [...new Set(emails.map((e) => e.toLowerCase()))];
  if (distinct.length > 1) {
    warnings.push({ code: 'multiple_emails', subject: rec.dn, message: `has ${distinct.length} ${emailAttr} values (${distinct.join(', ')}); using the first, ${distinct[0]}` });
  }
  // AD user principal names often differ from Zoom login emails by domain only.
  const email = rewriteEmailDomain(distinct[0], emailDomains);
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) {
    warnings.push({ code: 'invalid_email', subject: rec.dn, message: `${emailAttr} value "${email}" is not an email address; member of ${groupNames} not provisioned` });
    return null;
  }
  return email;
}

/** ZCC knows one user per email: the kept entry gets the duplicate's groups too. */
function mergeDuplicate(kept: UserRecord, duplicate: UserRecord, email: string, warnings: DirectoryWarning[]): void {
  const keptGroups = kept.groups as readonly number[];
  const more = (duplicate.groups as readonly number[]).filter((g) => !keptGroups.includes(g));
  if (more.length > 0) kept.groups = [...keptGroups, ...more];
  warnings.push({
    code: 'duplicate_email',
    subject: duplicate.dn,
    message: `has the same email ${email} as "${kept.dn}"; ZCC knows one user per email, so it gets the groups of both entries and the name and id of "${kept.dn}"`,
  });
}
