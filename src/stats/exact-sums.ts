/**
 * Exact arithmetic for the mean-metric sufficient statistics. PostgreSQL sums per-user values as
 * `numeric` (no overflow, no rounding) and hands Σy and Σy² over as decimal text; the centred sum of
 * squares Σ(y − ȳ)² = (n·Σy² − (Σy)²) / n is then formed here without cancellation, so the only
 * rounding is the final conversion to a double. The float form Σy² − (Σy)²/n lost every digit of the
 * variance once mean/sd passed ~1e8 (issue 15, defect 2).
 */

/** A rational number m / 10^scale. */
interface Decimal {
  m: bigint;
  scale: number;
}

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Parses PostgreSQL numeric text (or any plain decimal, with an optional exponent) exactly. */
function parseDecimal(text: string): Decimal | null {
  const match = DECIMAL_TEXT.exec(text.trim());
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return null;
  const [, sign, whole, fraction = '', exponent = '0'] = match;
  let m = BigInt(`${whole}${fraction}` || '0');
  let scale = fraction.length - Number(exponent);
  if (!Number.isSafeInteger(scale) || Math.abs(scale) > 100_000) return null;
  if (scale < 0) {
    m *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { m: sign === '-' ? -m : m, scale };
}

/**
 * The exact value of a double as a decimal: every finite double is k·2^e, and 2^−e = 5^e / 10^e.
 * `null` for NaN and ±Infinity.
 */
function doubleToDecimal(x: number): Decimal | null {
  if (!Number.isFinite(x)) return null;
  if (Number.isInteger(x)) return { m: BigInt(x), scale: 0 };
  let e = 0;
  let k = x;
  // Scaling by 2 is exact; at most 1074 steps for the smallest subnormal.
  while (!Number.isInteger(k)) {
    k *= 2;
    e++;
  }
  return { m: BigInt(k) * 5n ** BigInt(e), scale: e };
}

function toDecimal(x: number | string): Decimal | null {
  return typeof x === 'number' ? doubleToDecimal(x) : parseDecimal(x);
}

function rescale(d: Decimal, scale: number): bigint {
  return d.m * 10n ** BigInt(scale - d.scale);
}

/** The double nearest to m / 10^scale (a single rounding: JS parses decimal text correctly rounded). */
function decimalToNumber(d: Decimal): number {
  return Number(`${d.m}e${-d.scale}`);
}

export interface CentredSums {
  /** Σy as a double (±Infinity when beyond the double range). */
  sum: number;
  /** Σ(y − ȳ)² over the n users, ≥ 0 (Infinity when beyond the double range). */
  sumSquaredDeviations: number;
}

/**
 * Σy and Σ(y − ȳ)² of n values from their power sums Σy and Σy², given as exact decimal text (from
 * PostgreSQL numeric) or as doubles (taken at their exact binary value). `null` when n < 1 or an
 * input is not a finite number.
 */
export function centredSums(n: number, sum: number | string, sumSquares: number | string): CentredSums | null {
  if (!(Number.isSafeInteger(n) && n >= 1)) return null;
  const s1 = toDecimal(sum);
  const s2 = toDecimal(sumSquares);
  if (s1 === null || s2 === null) return null;
  // n·Σy² − (Σy)², exactly, at the common scale max(scale(Σy²), 2·scale(Σy)).
  const scale = Math.max(s2.scale, 2 * s1.scale);
  const numerator = BigInt(n) * rescale(s2, scale) - s1.m * s1.m * 10n ** BigInt(scale - 2 * s1.scale);
  // Exact data give a non-negative numerator; clamp anyway so inconsistent inputs cannot go negative.
  const m2 = numerator > 0n ? decimalToNumber({ m: numerator, scale }) / n : 0;
  return { sum: decimalToNumber(s1), sumSquaredDeviations: m2 };
}
