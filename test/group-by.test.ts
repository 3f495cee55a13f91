/** groupBy (src/util/group-by.ts). */
import { groupBy } from '../src/util/group-by';

describe('groupBy', () => {
  it('groups items by key, keys and items in first-seen order', () => {
    const ops = [
      { email: 'b@x.com', seq: 1 },
      { email: 'a@x.com', seq: 2 },
      { email: 'b@x.com', seq: 3 },
    ];
    const groups = groupBy(ops, (op) => op.email);
    expect([...groups.keys()]).toEqual(['b@x.com', 'a@x.com']);
    expect(groups.get('b@x.com')).toEqual([ops[0], ops[2]]);
    expect(groups.get('a@x.com')?.[0]).toBe(ops[1]); // the items themselves, not copies
  });

  it('gives an empty map for no items and takes any iterable', () => {
    expect(groupBy([], String).size).toBe(0);
    expect(groupBy(new Set(['ab', 'ac', 'b']), (s) => s[0])).toEqual(new Map([['a', ['ab', 'ac']], ['b', ['b']]]));
  });
});
