// The one implementation of the bucketing hash (GrowthBook hash v2): the service re-exports it from src/bucketing, the SDK evaluates with it.
const FNV_OFFSET_BASIS = 2166136261;
const FNV_PRIME = 16777619;

/** FNV-1a 32-bit over `value`'s UTF-16 code units, continuing from `hash` (the offset basis for a fresh hash). */
function fnvContinue(hash: number, value: string): number {
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    // Math.imul keeps the multiplication in 32 bits; >>> 0 makes it unsigned.
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash >>> 0;
}

/**
 * FNV-1a 32-bit over the UTF-16 code units of `value`, as GrowthBook's JS SDK computes it
 * (charCodeAt, not UTF-8 bytes), so ids hash the same here and in GrowthBook.
 */
export function fnv1a32(value: string): number {
  return fnvContinue(FNV_OFFSET_BASIS, value);
}

/** FNV-1a over the `width` decimal digits of `value` (< 100,000; zero-padded to `width`), in int32 arithmetic. */
function fnvDigits(hash: number, value: number, width: number): number {
  for (let power = POWERS_OF_TEN[width - 1]; power >= 1; power = (power / 10) | 0) {
    hash ^= 48 + (((value / power) | 0) % 10);
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash;
}

const POWERS_OF_TEN = [1, 10, 100, 1000, 10000];

function digitCount(value: number): number {
  return value < 10 ? 1 : value < 100 ? 2 : value < 1000 ? 3 : value < 10000 ? 4 : 5;
}

/**
 * `fnv1a32(String(n))` for an unsigned 32-bit `n`, without building the string (the hot path of
 * every decision): `n` is split at 10^5 so every digit comes from int32 arithmetic.
 */
export function fnvOfDecimal(n: number): number {
  const high = Math.floor(n / 100000);
  const low = n - high * 100000;
  if (high === 0) return fnvDigits(FNV_OFFSET_BASIS, low, digitCount(low)) >>> 0;
  return fnvDigits(fnvDigits(FNV_OFFSET_BASIS, high, digitCount(high)), low, 5) >>> 0;
}

/** The hash state after the seed: `seed + userId` hashed as the seed's state continued over the user id. */
export function seedHash(seed: string): number {
  return fnv1a32(seed);
}

/** `bucketIndex(seed, userId)` with the seed hashed once (`seedHash(seed)`), for callers deciding many users. */
export function bucketIndexFromSeedHash(seedState: number, userId: string): number {
  return fnvOfDecimal(fnvContinue(seedState, userId)) % 10000;
}

/** GrowthBook "hash v2" as an integer in [0, 10000), for comparisons free of float rounding. */
export function bucketIndex(seed: string, userId: string): number {
  return bucketIndexFromSeedHash(seedHash(seed), userId);
}

/** GrowthBook "hash v2": a bucket in [0, 1) with 4 decimal places. */
export function bucket(seed: string, userId: string): number {
  return bucketIndex(seed, userId) / 10000;
}
