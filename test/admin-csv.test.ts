/** The users CSV: header, optional columns, positions in every error. */
import { parseUsersCsv } from '../src/admin/csv';

describe('parseUsersCsv', () => {
  it('reads email, role, package and ;-separated queues, with line numbers', () => {
    const text = 'email,role,package,queues\nana@example.com,Agent,premium,Sales; Support\n\nbob@example.com,,,\ncy@example.com\n';
    const r = parseUsersCsv(text, 'users.csv');
    expect(r.problems).toEqual([]);
    expect(r.columns).toEqual({ email: 1, role: 2, package: 3, queues: 4 });
    expect(r.rows).toEqual([
      { line: 2, email: 'ana@example.com', role: 'Agent', package: 'premium', queues: ['Sales', 'Support'] },
      { line: 4, email: 'bob@example.com' },
      { line: 5, email: 'cy@example.com' },
    ]);
  });

  it('accepts columns in any order, a BOM and a capitalised header', () => {
    const r = parseUsersCsv('\uFEFFQueues,Email\nSales,ana@example.com\n', 'u.csv');
    expect(r.problems).toEqual([]);
    expect(r.rows).toEqual([{ line: 2, email: 'ana@example.com', queues: ['Sales'] }]);
  });

  it('reports an unclosed quote with file, line and column', () => {
    const r = parseUsersCsv('email,role\nana@example.com,Agent\n"bob@example.com,Agent\n', 'users.csv');
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/^users\.csv: line 3, column 1: a quoted value is never closed/);
  });

  it('reports a row with more fields than the header, pointing at the extra column', () => {
    const r = parseUsersCsv('email,role\nana@example.com,Agent\nbob@example.com,Agent,extra\n', 'users.csv');
    expect(r.problems[0]).toMatch(/^users\.csv: line 3, column 3: 3 fields where the header has 2/);
  });

  it('reports text after a closing quote', () => {
    const r = parseUsersCsv('email,role\nana@example.com,"Ag"ent\n', 'users.csv');
    expect(r.problems[0]).toMatch(/^users\.csv: line 2, column 2: text after a closing quote/);
  });

  it('refuses a header without email, unknown and repeated columns', () => {
    expect(parseUsersCsv('mail,role\na@x.com,Agent\n', 'f.csv').problems).toEqual([
      'f.csv: line 1, column 1: unknown column "mail"; valid columns: email, role, package, queues',
      'f.csv: line 1: the header has no "email" column (got "mail,role"); the first line must name the columns, e.g. "email,role,package,queues"',
    ]);
    expect(parseUsersCsv('email,role,role\na@x.com,A,B\n', 'f.csv').problems).toEqual(['f.csv: line 1, column 3: column "role" appears twice (also column 2)']);
  });

  it('refuses a column the command does not use, unless it is ignored', () => {
    const edit = parseUsersCsv('email,queues\na@x.com,Sales\n', 'f.csv', { allowed: ['role', 'package'], command: 'users edit' });
    expect(edit.problems).toEqual(['f.csv: line 1, column 2: column "queues" is not used by users edit; valid columns: email, role, package']);
    const remove = parseUsersCsv('email,role,queues\na@x.com,Agent,Sales\n', 'f.csv', { allowed: [], ignored: ['role', 'package', 'queues'] });
    expect(remove.problems).toEqual([]);
    expect(remove.rows).toEqual([{ line: 2, email: 'a@x.com' }]);
  });

  it('reports an empty email cell, an empty file and a header without rows', () => {
    expect(parseUsersCsv('role,email\nAgent,\n', 'f.csv').problems).toEqual(['f.csv: line 2, column 2 (email): the email is empty; every row needs one']);
    expect(parseUsersCsv('', 'f.csv').problems[0]).toMatch(/^f\.csv: the file is empty/);
    expect(parseUsersCsv('email\n\n', 'f.csv').problems).toEqual(['f.csv: no users: the file has a header but no rows']);
  });
});
