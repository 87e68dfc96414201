// The SDK package holds the single implementation (see hash.ts).
export { assignVariantIndex, chooseRange, inPercentage, variantRanges } from '../../sdk/src/bucketing/assign-variant';
export type { BucketRange } from '../../sdk/src/bucketing/assign-variant';
