import { timingSafeEqual } from 'node:crypto';
import { tokenDigest } from './credentials';

/**
 * Compares in constant time: tokens are compared as equal-length SHA-256 digests and every
 * configured token is compared, so neither the length nor the position of a match leaks through timing.
 */
export class TokenMatcher {
  private readonly digests: Buffer[];

  constructor(tokens: readonly string[]) {
    this.digests = tokens.map(tokenDigest);
  }

  /** `presented` is the SHA-256 digest of the presented token (see credentials.ts). */
  matches(presented: Buffer): boolean {
    let found = false;
    for (const known of this.digests) {
      found = timingSafeEqual(presented, known) || found;
    }
    return found;
  }
}
