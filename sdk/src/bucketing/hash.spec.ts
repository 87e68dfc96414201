import fc from 'fast-check';
import { bucketIndex, bucketIndexFromSeedHash, fnv1a32, fnvOfDecimal, seedHash } from './hash';

/** The contract's definition, literally: the fast path must give the same numbers. */
const reference = (seed: string, userId: string): number => fnv1a32(String(fnv1a32(seed + userId))) % 10000;

describe('bucketing hash (fast path)', () => {
  it('should hash the decimal digits of a number like String(n) does, at every length boundary', () => {
    for (const n of [0, 1, 9, 10, 11, 99, 100, 101, 65535, 999_999_999, 1_000_000_000, 2_166_136_261, 4_294_967_295]) {
      expect(fnvOfDecimal(n)).toBe(fnv1a32(String(n)));
    }
    fc.assert(fc.property(fc.nat({ max: 4_294_967_295 }), (n) => fnvOfDecimal(n) === fnv1a32(String(n))));
  });

  it('should equal fnv1a32(String(fnv1a32(seed + userId))) % 10000 for any seed and user', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1, maxLength: 256, unit: 'binary' }), (seed, userId) => {
        const expected = reference(seed, userId);
        return bucketIndex(seed, userId) === expected && bucketIndexFromSeedHash(seedHash(seed), userId) === expected;
      }),
      { numRuns: 5000 },
    );
  });
});
