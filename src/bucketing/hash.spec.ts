import { assignVariantIndex, chooseRange, inPercentage, variantRanges } from './assign-variant';
import { bucket, fnv1a32 } from './hash';

describe('bucketing', () => {
  describe('fnv1a32', () => {
    it('should match the published FNV-1a 32-bit test vectors', () => {
      // From the FNV reference test suite (isthe.com/chongo/tech/comp/fnv): "" and "a", "foobar".
      expect(fnv1a32('')).toBe(0x811c9dc5);
      expect(fnv1a32('a')).toBe(0xe40c292c);
      expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    });
  });

  describe('bucket', () => {
    // Public vectors of shared/api.md §3.
    it.each([
      ['a', 0.0505],
      ['b', 0.2696],
      ['user-1', 0.4232],
      ['user-2', 0.1367],
      ['42', 0.6563],
      ['ümlaut', 0.8077],
    ])('should put user %s of seed "seed" at %d', (userId, expected) => {
      expect(bucket('seed', userId)).toBe(expected);
    });

    it('should hash seed "foo" and user "ab" to 0.2575', () => {
      expect(bucket('foo', 'ab')).toBe(0.2575);
    });

    it('should hash UTF-16 code units, so astral characters differ from their BMP look-alikes', () => {
      const astral = bucket('seed', '😀');
      expect(astral).toBeGreaterThanOrEqual(0);
      expect(astral).toBeLessThan(1);
      expect(bucket('seed', '😀')).toBe(astral);
      expect(bucket('seed', 'é')).not.toBe(bucket('seed', 'e\u0301'));
    });
  });

  describe('assignVariantIndex', () => {
    it.each([
      ['a', 0, 0],
      ['b', -1, 1],
      ['user-1', -1, 1],
      ['user-2', -1, 0],
      ['42', -1, 2],
      ['ümlaut', -1, 2],
    ])('should place %s at %d (50/50 at 20 %%) and %d (20/30/50)', (userId, halfAndHalf, threeWay) => {
      expect(assignVariantIndex('seed', userId, [0.5, 0.5], 0.2)).toBe(halfAndHalf);
      expect(assignVariantIndex('seed', userId, [0.2, 0.3, 0.5], 1)).toBe(threeWay);
    });

    it('should reject an empty user id before hashing', () => {
      expect(() => assignVariantIndex('seed', '', [0.5, 0.5], 1)).toThrow(RangeError);
      expect(() => inPercentage('seed', '', 50)).toThrow(RangeError);
    });

    it('should never move a user to another variant when the allocation changes', () => {
      const allocations = [0.0001, 0.01, 0.2, 0.5, 0.99, 1];
      for (let i = 0; i < 5000; i++) {
        const userId = `user-${i}`;
        const seen = new Set<number>();
        for (const allocation of allocations) {
          const index = assignVariantIndex('alloc', userId, [0.3, 0.3, 0.4], allocation);
          if (index >= 0) seen.add(index);
        }
        expect(seen.size).toBeLessThanOrEqual(1);
      }
    });

    it('should enrol almost no one at a tiny allocation and everyone at allocation 1', () => {
      let tiny = 0;
      let full = 0;
      for (let i = 0; i < 20000; i++) {
        if (assignVariantIndex('tiny', `u${i}`, [0.5, 0.5], 0.0001) >= 0) tiny++;
        if (assignVariantIndex('tiny', `u${i}`, [0.5, 0.5], 1) >= 0) full++;
      }
      // 0.0001 × 20,000 users ≈ 2 expected; buckets have 4 decimals, so at most 2 of 10,000 buckets qualify.
      expect(tiny).toBeLessThan(20);
      expect(full).toBe(20000);
    });

    it('should cover [0, 1) with weights that do not divide evenly (1/3 each)', () => {
      const third = 1 / 3;
      const ranges = variantRanges([third, third, third], 1);
      expect(chooseRange(0, ranges)).toBe(0);
      expect(chooseRange(0.3333, ranges)).toBe(0);
      expect(chooseRange(0.3334, ranges)).toBe(1);
      expect(chooseRange(0.9999, ranges)).toBe(2);
    });
  });

  describe('inPercentage', () => {
    it('should keep every user who had the new model as the percentage grows', () => {
      for (let i = 0; i < 20000; i++) {
        if (inPercentage('rollout', `u${i}`, 25)) {
          expect(inPercentage('rollout', `u${i}`, 50)).toBe(true);
        }
      }
    });

    it('should support 0.01 % granularity', () => {
      // bucket has 4 decimals, so 12.34 % admits exactly the buckets below 0.1234.
      expect(inPercentage('seed', 'a', 5.05)).toBe(false); // bucket 0.0505
      expect(inPercentage('seed', 'a', 5.06)).toBe(true);
    });
  });
});
