import { bucket, bucketIndex } from './hash';

export interface BucketRange {
  start: number;
  end: number;
}

/**
 * Ranges per variant: each variant owns [cum, cum + allocation × weight) where cum advances by the
 * full weight. Changing the allocation shrinks or grows each range in place, so no user ever moves
 * from one variant to another (they can only enter or leave the experiment).
 */
export function variantRanges(weights: readonly number[], trafficAllocation: number): BucketRange[] {
  let cumulative = 0;
  return weights.map((weight) => {
    const start = cumulative;
    cumulative += weight;
    return { start, end: start + trafficAllocation * weight };
  });
}

/** Index of the range that holds `n`, or -1 when it falls in no range (user not in the experiment). */
export function chooseRange(n: number, ranges: readonly BucketRange[]): number {
  for (let i = 0; i < ranges.length; i++) {
    if (n >= ranges[i].start && n < ranges[i].end) {
      return i;
    }
  }
  return -1;
}

export function assignVariantIndex(seed: string, userId: string, weights: readonly number[], trafficAllocation: number): number {
  if (userId.length === 0) {
    throw new RangeError('userId must not be empty');
  }
  return chooseRange(bucket(seed, userId), variantRanges(weights, trafficAllocation));
}

/**
 * Percentage rollouts use the same bucket with the rollout id as seed: a user is in while
 * bucket < percentage / 100, so everyone who had the new model keeps it as the percentage grows.
 */
export function inPercentage(seed: string, userId: string, percentage: number): boolean {
  if (userId.length === 0) {
    throw new RangeError('userId must not be empty');
  }
  // Whole hundredths of a percent against whole buckets: 12.34 % admits buckets 0..1233 exactly.
  return bucketIndex(seed, userId) < Math.round(percentage * 100);
}
