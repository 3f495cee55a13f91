/** Directory types (issue 12): presets fill what the config leaves out; the disabled rule per type; UPN domain rewrite. */
import { disabledFilterOf, fileTimeOf, rewriteEmailDomain } from '../src/config/directory-types';
import { parseConfigText } from '../src/config/load';

const directoryOf = (yaml: string) => parseConfigText(yaml, { env: {} }).directory;

test('activeDirectory fills the AD filters and attributes; a value in the config wins', () => {
  const d = directoryOf('directory:\n  type: activeDirectory\n  attributes:\n    email: userPrincipalName\n');
  expect(d.userFilter).toBe('(&(objectClass=user)(objectCategory=person))');
  expect(d.groupFilter).toBe('(objectClass=group)');
  expect(d.attributes).toEqual({ email: 'userPrincipalName', displayName: 'displayName', uniqueId: 'objectGUID', member: 'member' });
  const custom = directoryOf('directory:\n  type: activeDirectory\n  userFilter: (objectClass=person)\n');
  expect(custom.userFilter).toBe('(objectClass=person)');
});

test('without a type the directory is OpenLDAP, as before', () => {
  const d = directoryOf('');
  expect(d.type).toBe('openldap');
  expect(d.userFilter).toBe('(objectClass=inetOrgPerson)');
  expect(d.attributes.uniqueId).toBe('entryUUID');
});

test('an unknown type names the valid ones', () => {
  expect(() => directoryOf('directory:\n  type: ad\n')).toThrow(/directory\.type: .*openldap.*activeDirectory.*generic/s);
});

test('the disabled rule per type; disabledFilter replaces it; generic without one has none', () => {
  const now = new Date('2026-12-04T00:00:00Z');
  expect(disabledFilterOf({ type: 'openldap' }, now)).toBe('(pwdAccountLockedTime=*)');
  expect(disabledFilterOf({ type: 'activeDirectory' }, now)).toBe(`(|(userAccountControl:1.2.840.113556.1.4.803:=2)(&(accountExpires>=1)(accountExpires<=${fileTimeOf(now)})))`);
  expect(disabledFilterOf({ type: 'generic' }, now)).toBeNull();
  expect(disabledFilterOf({ type: 'generic', disabledFilter: '(nsAccountLock=true)' }, now)).toBe('(nsAccountLock=true)');
});

test('FILETIME is 100 ns ticks since 1601', () => {
  expect(fileTimeOf(new Date('1970-01-01T00:00:00Z'))).toBe('116444736000000000');
  expect(fileTimeOf(new Date('1970-01-01T00:00:01Z'))).toBe('116444736010000000');
});

test('emailDomains rewrites the domain case-insensitively and leaves other domains alone', () => {
  const domains = { 'Corp.Example.Local': 'example.com' };
  expect(rewriteEmailDomain('ann.lee@corp.example.local', domains)).toBe('ann.lee@example.com');
  expect(rewriteEmailDomain('ann.lee@CORP.EXAMPLE.LOCAL', domains)).toBe('ann.lee@example.com');
  expect(rewriteEmailDomain('ann.lee@other.example', domains)).toBe('ann.lee@other.example');
});
