/** Validation of users assign/edit/remove requests: local checks, then names against ZCC. */
import { checkRequest, isEmail, resolveRequest, validateRequest, type RawRequest } from '../src/admin/validate';
import { AdminInputError } from '../src/admin/types';

const catalog = { roles: ['Admin', 'Agent', 'Supervisor'], queues: ['Billing', 'Sales', 'Support'] };
const problemsOf = (raw: RawRequest) => {
  const local = checkRequest(raw);
  return local.problems.length ? local.problems : resolveRequest(local.draft, catalog).problems;
};

describe('checkRequest / resolveRequest', () => {
  it('builds an assign request with canonical names, lower-cased emails and typed settings', () => {
    const req = validateRequest(
      { kind: 'assign', emails: ['Ana@Example.com', 'bob@example.com'], role: 'agent', package: 'Premium', queues: ['sales', 'Support', 'SALES'], set: ['country_iso_code=US'] },
      catalog,
    );
    expect(req).toEqual({
      kind: 'assign',
      params: { role: 'Agent', package: 'premium', queues: ['Sales', 'Support'], settings: { country_iso_code: 'US' } },
      items: [{ email: 'ana@example.com' }, { email: 'bob@example.com' }],
    });
  });

  it('takes per-row role, package and queues from a CSV', () => {
    const csv = { file: 'users.csv', text: 'email,role,package,queues\na@x.com,supervisor,elite,billing;sales\nb@x.com,,,\n' };
    const req = validateRequest({ kind: 'assign', emails: [], csv, role: 'Agent' }, catalog);
    expect(req.items).toEqual([{ email: 'a@x.com', params: { role: 'Supervisor', package: 'elite', queues: ['Billing', 'Sales'] } }, { email: 'b@x.com' }]);
  });

  it('requires a role for assign, from the flag or every row', () => {
    expect(problemsOf({ kind: 'assign', emails: ['a@x.com'] })).toEqual(['--role is required: every license needs a role (e.g. --role Agent)']);
    const csv = { file: 'u.csv', text: 'email,role\na@x.com,Agent\nb@x.com,\nc@x.com,\n' };
    expect(problemsOf({ kind: 'assign', emails: [], csv })).toEqual(['no role for 2 user(s) (u.csv lines 3, 4): pass --role NAME or fill the role column']);
  });

  it('lists unknown roles, queues and packages with the valid ones and where they came from', () => {
    expect(problemsOf({ kind: 'assign', emails: ['a@x.com'], role: 'Agnt', queues: ['Sales', 'Marketing'] })).toEqual([
      '--role: unknown role "Agnt"; roles that exist: Admin, Agent, Supervisor',
      '--queue: unknown queue "Marketing"; queues that exist: Billing, Sales, Support',
    ]);
    expect(problemsOf({ kind: 'assign', emails: ['a@x.com'], role: 'Agent', package: 'gold' })).toEqual(['--package: unknown package "gold"; packages: essentials, premium, elite']);
    const csv = { file: 'u.csv', text: 'email,role,package\na@x.com,Agnt,\nb@x.com,Agnt,platinum\nc@x.com,Agent,\n' };
    expect(problemsOf({ kind: 'assign', emails: [], csv })).toEqual(['u.csv line 3, column 3 (package): unknown package "platinum"; packages: essentials, premium, elite']);
    const csv2 = { file: 'u.csv', text: 'email,role\na@x.com,Agnt\nb@x.com,Agnt\nc@x.com,Agent\n' };
    expect(problemsOf({ kind: 'assign', emails: [], csv: csv2 })).toEqual(['u.csv column 2 (role), lines 2, 3: unknown role "Agnt"; roles that exist: Admin, Agent, Supervisor']);
  });

  it('refuses malformed emails, duplicates (with both positions) and an empty selection', () => {
    expect(problemsOf({ kind: 'remove', emails: ['a@x.com', 'not-an-email', 'A@X.com'] })).toEqual([
      'argument 2 ("not-an-email"): "not-an-email" is not an email address (expected name@domain.tld)',
      'duplicate user a@x.com: argument 1 ("a@x.com") and argument 3 ("A@X.com"); list each user once',
    ]);
    const csv = { file: 'u.csv', text: 'email\na@x.com\nb@x\nc@x.com\nA@x.com\n' };
    expect(problemsOf({ kind: 'remove', emails: [], csv })).toEqual([
      'u.csv line 3, column 1 (email): "b@x" is not an email address (expected name@domain.tld)',
      'duplicate user a@x.com: u.csv lines 2 and 5; list each user once',
    ]);
    expect(problemsOf({ kind: 'remove', emails: [] })).toEqual(['no users given: list their emails (zcc-sync users remove ana@example.com …) or pass --file users.csv']);
    expect(problemsOf({ kind: 'remove', emails: ['a@x.com'], csv: { file: 'u.csv', text: 'email\nb@x.com\n' } })[0]).toMatch(/either as EMAIL arguments or with --file, not both/);
  });

  it('checks edit: something to change, --status values, queues both added and removed, user_access', () => {
    expect(problemsOf({ kind: 'edit', emails: ['a@x.com'] })).toEqual(['nothing to change: give --role, --package, --status, --add-queue, --remove-queue or --set FIELD=VALUE']);
    expect(problemsOf({ kind: 'edit', emails: ['a@x.com'], status: 'disabled' })).toEqual(['--status: got "disabled" — expected active or inactive']);
    expect(problemsOf({ kind: 'edit', emails: ['a@x.com'], addQueues: ['Sales'], removeQueues: ['sales'] })).toEqual([
      '--add-queue and --remove-queue both name "Sales"; a user cannot join and leave a queue at once',
    ]);
    expect(problemsOf({ kind: 'edit', emails: ['a@x.com'], status: 'active', set: ['user_access=inactive'] })).toEqual([
      '--status active and --set user_access=inactive disagree; give one of them',
    ]);
    const req = validateRequest({ kind: 'edit', emails: ['a@x.com'], set: ['user_access=inactive', 'country_iso_code=DE'], addQueues: ['billing'] }, catalog);
    expect(req.params).toEqual({ access: 'inactive', settings: { country_iso_code: 'DE' }, addQueues: ['Billing'] });
  });

  it('reports bad --set values before any name lookup', () => {
    expect(problemsOf({ kind: 'assign', emails: ['a@x.com'], role: 'Agent', set: ['channel_settings.multi_channel_engagements.max_agent_load=500'] })).toEqual([
      '--set channel_settings.multi_channel_engagements.max_agent_load=500: Too big: expected number to be <=100 (allowed: a whole number from 1 to 100)',
    ]);
  });

  it('throws AdminInputError with every problem', () => {
    expect(() => validateRequest({ kind: 'assign', emails: ['x'], role: 'Nope' }, catalog)).toThrow(AdminInputError);
  });

  it('recognises email addresses', () => {
    for (const ok of ['a@x.com', 'first.last+tag@sub.example.co.uk']) expect(isEmail(ok)).toBe(true);
    for (const bad of ['a', 'a@x', '@x.com', 'a@@x.com', 'a b@x.com', 'a@x..com', 'a@x.c']) expect(isEmail(bad)).toBe(false);
  });
});
