import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import { assignVariantIndex } from './assign-variant';

/** Pearson goodness of fit of observed counts against total × weight; returns the p-value. */
function goodnessOfFit(counts: number[], weights: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const statistic = counts.reduce((sum, observed, i) => sum + (observed - total * weights[i]) ** 2 / (total * weights[i]), 0);
  return 1 - chisquareCdf(statistic, counts.length - 1);
}

describe('bucketing distribution', () => {
  // Deterministic ids, so these cannot flake: the same 100,000 users every run.
  it.each([
    [[0.5, 0.5], 'checkout-button'],
    [[0.2, 0.3, 0.5], 'three-way'],
  ])('should spread 100,000 users over weights %j within chi-square p > 0.001', (weights, seed) => {
    const counts = weights.map(() => 0);
    for (let i = 0; i < 100_000; i++) {
      counts[assignVariantIndex(seed, `user-${i}`, weights, 1)]++;
    }
    expect(counts.reduce((a, b) => a + b, 0)).toBe(100_000);
    expect(goodnessOfFit(counts, weights)).toBeGreaterThan(0.001);
  });

  it('should detect a skewed split with the same test (the test can fail)', () => {
    expect(goodnessOfFit([51_000, 49_000], [0.5, 0.5])).toBeLessThan(0.001);
  });
});
