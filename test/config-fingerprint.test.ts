/**
 * The desired-state fingerprint (src/reconcile/config-fingerprint.ts): a delta run falls back to a
 * full one when it differs from the last applied run's. What decides who is desired and how moves
 * it; secrets and tuning do not.
 */
import { parseConfigText } from '../src/config/load';
import { desiredStateFingerprint } from '../src/reconcile/config-fingerprint';

const configWith = (extra: string) =>
  parseConfigText(
    `directory: { url: "ldap://127.0.0.1:389", bindDN: "cn=reader,dc=example,dc=com", bindPassword: "one" }
mappings:
  - { group: "cn=agents,ou=groups,dc=example,dc=com", role: Agent, package: essentials, queues: [Support] }
${extra}`,
    { env: {} },
  );

const base = desiredStateFingerprint(configWith(''));

test('mappings, exclusions and directory filters move it', () => {
  const role = configWith('');
  role.mappings[0].role = 'Supervisor';
  expect(desiredStateFingerprint(role)).not.toBe(base);
  const queues = configWith('');
  queues.mappings[0].queues = ['Support', 'Sales'];
  expect(desiredStateFingerprint(queues)).not.toBe(base);
  expect(desiredStateFingerprint(configWith('policy: { exclude: ["ceo@example.com"] }'))).not.toBe(base);
  const filter = configWith('');
  filter.directory.userFilter = '(objectClass=person)';
  expect(desiredStateFingerprint(filter)).not.toBe(base);
});

test('the bind password, the page size and guard limits do not', () => {
  const other = configWith('policy: { guards: { maxRemovals: 7 } }');
  other.directory.bindPassword = 'two';
  other.directory.pageSize = 17;
  expect(desiredStateFingerprint(other)).toBe(base);
});
