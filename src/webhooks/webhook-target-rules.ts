/**
 * Where a webhook may point (docs/webhooks.md, "Where a webhook may point"): the address classes.
 * Plain TypeScript: no framework, no database, no network.
 */
import * as ipaddr from 'ipaddr.js';

/**
 * `public`: anyone may target it. `private`: loopback, RFC 1918, CGNAT and unique-local IPv6, allowed
 * only with WEBHOOK_ALLOW_PRIVATE=true. `forbidden`: never (link-local and cloud metadata,
 * multicast, broadcast, unspecified, reserved and documentation ranges).
 */
export type AddressClass = 'public' | 'private' | 'forbidden';

export interface AddressVerdict {
  address: string;
  class: AddressClass;
  /** ipaddr.js's name for the range (`loopback`, `linkLocal`, `private`, …), or `metadata`. */
  range: string;
}

// Cloud metadata services that live outside link-local space: AWS's IPv6 endpoint (a unique-local
// address) and Alibaba's (inside CGNAT space). 169.254.169.254 is link-local and refused anyway.
const METADATA_ADDRESSES = new Set(['fd00:ec2::254', '100.100.100.200']);

const PRIVATE_V4 = new Set(['loopback', 'private', 'carrierGradeNat']);
const PRIVATE_V6 = new Set(['loopback', 'uniqueLocal']);

function classifyV4(address: ipaddr.IPv4, shown: string): AddressVerdict {
  const range = address.range();
  if (METADATA_ADDRESSES.has(address.toString())) return { address: shown, class: 'forbidden', range: 'metadata' };
  if (range === 'unicast') return { address: shown, class: 'public', range };
  return { address: shown, class: PRIVATE_V4.has(range) ? 'private' : 'forbidden', range };
}

/** The IPv4 address an IPv6 one carries, for the forms that translate to IPv4 on the way (NAT64, 6to4). */
function embeddedV4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const range = address.range();
  const bytes = address.toByteArray();
  if (range === 'ipv4Mapped') return address.toIPv4Address();
  // 64:ff9b::/96 (RFC 6052): the IPv4 address is the last 32 bits.
  if (range === 'rfc6052' && address.match(ipaddr.IPv6.parse('64:ff9b::'), 96)) return new ipaddr.IPv4(bytes.slice(12, 16));
  // 2002::/16 (6to4): bits 16–47.
  if (range === '6to4') return new ipaddr.IPv4(bytes.slice(2, 6));
  return null;
}

/** Classifies one literal IP address; anything that does not parse as one is forbidden. */
export function classifyAddress(literal: string): AddressVerdict {
  const text = literal.replace(/^\[|\]$/g, '');
  if (!ipaddr.isValid(text)) return { address: literal, class: 'forbidden', range: 'invalid' };
  const parsed = ipaddr.parse(text);
  if (parsed.kind() === 'ipv4') return classifyV4(parsed as ipaddr.IPv4, text);
  const v6 = parsed as ipaddr.IPv6;
  const inner = embeddedV4(v6);
  if (inner) {
    const verdict = classifyV4(inner, text);
    return { ...verdict, range: `${v6.range()}:${verdict.range}` };
  }
  const range = v6.range();
  if (METADATA_ADDRESSES.has(v6.toString())) return { address: text, class: 'forbidden', range: 'metadata' };
  // ::/96 holds the deprecated IPv4-compatible forms (::7f00:1 = ::127.0.0.1); ipaddr.js calls them unicast.
  if (range === 'unicast' && v6.match(ipaddr.IPv6.parse('::'), 96)) return { address: text, class: 'forbidden', range: 'ipv4Compatible' };
  if (range === 'unicast') return { address: text, class: 'public', range };
  return { address: text, class: PRIVATE_V6.has(range) ? 'private' : 'forbidden', range };
}

export function isAllowed(verdict: AddressVerdict, allowPrivate: boolean): boolean {
  return verdict.class === 'public' || (allowPrivate && verdict.class === 'private');
}

const DESCRIPTIONS: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private (RFC 1918) address',
  carrierGradeNat: 'a carrier-grade NAT (100.64.0.0/10) address',
  uniqueLocal: 'a unique-local IPv6 address',
  linkLocal: 'a link-local address (cloud metadata lives there)',
  metadata: 'a cloud metadata address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  unspecified: 'an unspecified address',
};

/** "resolves to 127.0.0.1, a loopback address" style text for error messages and delivery errors. */
export function describeRefusal(verdict: AddressVerdict, allowPrivate: boolean): string {
  const base = verdict.range.includes(':') ? verdict.range.split(':')[1] : verdict.range;
  const what = DESCRIPTIONS[base] ?? `a reserved or special-purpose address (${verdict.range})`;
  const hint =
    verdict.class === 'private' && !allowPrivate ? ' (set WEBHOOK_ALLOW_PRIVATE=true to allow loopback and private targets)' : '';
  return `${verdict.address} is ${what}, which webhooks may not target${hint}`;
}
