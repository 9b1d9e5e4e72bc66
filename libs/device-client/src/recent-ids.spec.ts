import fc from 'fast-check';
import { RecentIds } from './recent-ids';

describe('RecentIds', () => {
  it('reports an id as new only once while it is within the window', () => {
    const ids = new RecentIds(2);
    expect(ids.add('a')).toBe(true);
    expect(ids.add('a')).toBe(false);
    expect(ids.add('b')).toBe(true);
    expect(ids.add('c')).toBe(true); // evicts a
    expect(ids.add('b')).toBe(false);
    expect(ids.add('a')).toBe(true);
  });

  it('matches a reference model of "the last N distinct ids"', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8 }), fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j')), (n, seq) => {
        const ids = new RecentIds(n);
        const model: string[] = [];
        for (const id of seq) {
          const fresh = n === 0 || !model.includes(id);
          expect(ids.add(id)).toBe(fresh);
          if (fresh && n > 0) {
            model.push(id);
            if (model.length > n) model.shift();
          }
        }
      }),
    );
  });
});
