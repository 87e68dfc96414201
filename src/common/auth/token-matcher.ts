import { createHash, timingSafeEqual } from 'node:crypto';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Compares in constant time: both sides are hashed to equal-length digests and every configured
 * token is compared, so neither the length nor the position of a match leaks through timing.
 */
export class TokenMatcher {
  private readonly digests: Buffer[];

  constructor(tokens: readonly string[]) {
    this.digests = tokens.map(digest);
  }

  matches(presented: string): boolean {
    const candidate = digest(presented);
    let found = false;
    for (const known of this.digests) {
      found = timingSafeEqual(candidate, known) || found;
    }
    return found;
  }
}
