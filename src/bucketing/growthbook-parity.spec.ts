import * as path from 'node:path';
import { assignVariantIndex } from './assign-variant';
import { bucket } from './hash';

// GrowthBook's own SDK (devDependency) is the independent reference the contract names:
// `hash(seed, value, 2)`, `getBucketRanges(n, coverage, weights)` and `chooseVariation(n, ranges)`.
// Its util module is not in the package's export map, so it is loaded by file path.
const growthbook = require(path.resolve(__dirname, '../../node_modules/@growthbook/growthbook/dist/cjs/util.js')) as {
  hash(seed: string, value: string, version: number): number | null;
  getBucketRanges(numVariations: number, coverage: number, weights?: number[]): [number, number][];
  chooseVariation(n: number, ranges: [number, number][]): number;
};

describe('GrowthBook parity', () => {
  const ids = [
    ...Array.from({ length: 3000 }, (_, i) => `user-${i}`),
    'ümlaut',
    '日本語のユーザー',
    '😀 emoji',
    ' leading space',
    'a'.repeat(256),
    'MiXeD-Case_123',
  ];

  it('should give the same bucket as GrowthBook hash v2 for every id', () => {
    for (const seed of ['seed', 'checkout-button', 'ß-seed', '']) {
      for (const id of ids) {
        expect(bucket(seed, id)).toBe(growthbook.hash(seed, id, 2));
      }
    }
  });

  it('should choose the same variation as GrowthBook for uneven weights and partial coverage', () => {
    const cases: [number[], number][] = [
      [[0.5, 0.5], 1],
      [[0.5, 0.5], 0.2],
      [[0.2, 0.3, 0.5], 1],
      [[1 / 3, 1 / 3, 1 / 3], 0.7],
      [[0.1, 0.9], 0.05],
    ];
    for (const [weights, coverage] of cases) {
      const ranges = growthbook.getBucketRanges(weights.length, coverage, weights);
      for (const id of ids) {
        const n = growthbook.hash('parity', id, 2) as number;
        expect(assignVariantIndex('parity', id, weights, coverage)).toBe(growthbook.chooseVariation(n, ranges));
      }
    }
  });
});
