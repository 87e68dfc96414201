// The one implementation of the bucketing hash (GrowthBook hash v2): the service re-exports it from src/bucketing, the SDK evaluates with it.
const FNV_OFFSET_BASIS = 2166136261;
const FNV_PRIME = 16777619;

/**
 * FNV-1a 32-bit over the UTF-16 code units of `value`, as GrowthBook's JS SDK computes it
 * (charCodeAt, not UTF-8 bytes), so ids hash the same here and in GrowthBook.
 */
export function fnv1a32(value: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    // Math.imul keeps the multiplication in 32 bits; >>> 0 makes it unsigned.
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash >>> 0;
}

/** GrowthBook "hash v2" as an integer in [0, 10000), for comparisons free of float rounding. */
export function bucketIndex(seed: string, userId: string): number {
  return fnv1a32(String(fnv1a32(seed + userId))) % 10000;
}

/** GrowthBook "hash v2": a bucket in [0, 1) with 4 decimal places. */
export function bucket(seed: string, userId: string): number {
  return bucketIndex(seed, userId) / 10000;
}
