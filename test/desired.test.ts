/** Desired state: mappings applied to directory users. */
import { mappingSchema, type Mapping } from '../src/config/schema';
import type { DirectoryUser } from '../src/domain/types';
import { desiredState, unionQueues } from '../src/reconcile/desired';

const G = (cn: string) => `cn=${cn},ou=groups,dc=example,dc=com`;
const map = (m: Partial<Mapping> & { group: string; role: string }): Mapping => mappingSchema.parse(m);
const user = (email: string, groups: string[], over: Partial<DirectoryUser> = {}): DirectoryUser => ({
  email,
  displayName: email.split('@')[0],
  uniqueId: `uuid-${email}`,
  dn: `uid=${email.split('@')[0]},ou=people,dc=example,dc=com`,
  groups,
  ...over,
});

describe('desiredState', () => {
  const mappings = [
    map({ group: G('agents'), role: 'Agent', package: 'essentials', queues: ['Support', 'Sales'], settings: { country_iso_code: 'US' }, priority: 1 }),
    map({ group: G('leads'), role: 'Supervisor', package: 'elite', queues: ['Escalations', 'support'], settings: { client_integration: 'Zendesk' }, priority: 5 }),
    map({ group: G('vip'), role: 'VIP Agent', package: 'premium', queues: ['VIP'], priority: 5 }),
  ];

  test('one group: role, package, settings and sorted queues of its mapping', () => {
    const d = desiredState([user('a@x.com', [G('agents')], { displayName: 'Ann' })], mappings);
    expect(d.get('a@x.com')).toEqual({
      email: 'a@x.com',
      displayName: 'Ann',
      roleName: 'Agent',
      packageName: 'essentials',
      queues: ['Sales', 'Support'],
      settings: { country_iso_code: 'US' },
    });
  });

  test('several groups: the highest priority wins role, package and settings (not merged); queues are the union', () => {
    const d = desiredState([user('b@x.com', [G('agents'), G('leads')])], mappings);
    expect(d.get('b@x.com')).toMatchObject({
      roleName: 'Supervisor',
      packageName: 'elite',
      settings: { client_integration: 'Zendesk' },
      queues: ['Escalations', 'Sales', 'Support'], // "support" and "Support" are one queue
    });
  });

  test('tie on priority: the mapping listed first in the config wins', () => {
    const d = desiredState([user('c@x.com', [G('vip'), G('leads')])], mappings);
    expect(d.get('c@x.com')?.roleName).toBe('Supervisor'); // leads is listed before vip
    const swapped = desiredState([user('c@x.com', [G('leads'), G('vip')])], [mappings[2], mappings[1]]);
    expect(swapped.get('c@x.com')?.roleName).toBe('VIP Agent');
  });

  test('group DNs match case- and space-insensitively', () => {
    const d = desiredState([user('d@x.com', ['CN=Agents, OU=Groups, DC=Example, DC=Com'])], mappings);
    expect(d.get('d@x.com')?.roleName).toBe('Agent');
  });

  test('emails are lower-cased keys; the same email twice merges its groups', () => {
    const d = desiredState([user('E@X.com', [G('agents')]), user('e@x.com', [G('leads')])], mappings);
    expect([...d.keys()]).toEqual(['e@x.com']);
    expect(d.get('e@x.com')).toMatchObject({ email: 'e@x.com', roleName: 'Supervisor', queues: ['Escalations', 'Sales', 'Support'] });
  });

  test('a user in no mapped group is not desired', () => {
    expect(desiredState([user('f@x.com', [G('other')])], mappings).size).toBe(0);
  });

  test('user_access in a mapping is not part of the desired settings (the planner decides access)', () => {
    const d = desiredState([user('g@x.com', [G('x')])], [map({ group: G('x'), role: 'Agent', settings: { user_access: 'inactive', region_id: 'r' } })]);
    expect(d.get('g@x.com')?.settings).toEqual({ region_id: 'r' });
  });

  test('unionQueues: sorted, de-duplicated case-insensitively, first spelling kept', () => {
    expect(unionQueues([['b', 'A'], ['a', 'C', 'B']])).toEqual(['A', 'C', 'b']);
  });
});
