import { classifyAddress, describeRefusal, isAllowed } from './webhook-target-rules';

describe('classifyAddress', () => {
  it.each([
    // [address, class, range]
    ['93.184.215.14', 'public', 'unicast'],
    ['2606:4700:4700::1111', 'public', 'unicast'],
    ['127.0.0.1', 'private', 'loopback'],
    ['127.8.9.10', 'private', 'loopback'],
    ['::1', 'private', 'loopback'],
    ['10.1.2.3', 'private', 'private'],
    ['172.16.0.1', 'private', 'private'],
    ['172.31.255.255', 'private', 'private'],
    ['192.168.1.1', 'private', 'private'],
    ['100.64.0.1', 'private', 'carrierGradeNat'],
    ['fd12:3456::1', 'private', 'uniqueLocal'],
    ['fc00::1', 'private', 'uniqueLocal'],
    ['169.254.169.254', 'forbidden', 'linkLocal'],
    ['169.254.0.1', 'forbidden', 'linkLocal'],
    ['fe80::1', 'forbidden', 'linkLocal'],
    ['febf::1', 'forbidden', 'linkLocal'],
    ['fd00:ec2::254', 'forbidden', 'metadata'],
    ['100.100.100.200', 'forbidden', 'metadata'],
    ['224.0.0.1', 'forbidden', 'multicast'],
    ['ff02::1', 'forbidden', 'multicast'],
    ['0.0.0.0', 'forbidden', 'unspecified'],
    ['::', 'forbidden', 'unspecified'],
    ['255.255.255.255', 'forbidden', 'broadcast'],
    ['192.0.2.1', 'forbidden', 'reserved'],
    ['240.0.0.1', 'forbidden', 'reserved'],
    ['::ffff:127.0.0.1', 'private', 'ipv4Mapped:loopback'],
    ['::ffff:169.254.169.254', 'forbidden', 'ipv4Mapped:linkLocal'],
    ['::ffff:a9fe:a9fe', 'forbidden', 'ipv4Mapped:linkLocal'],
    ['::ffff:10.0.0.1', 'private', 'ipv4Mapped:private'],
    ['::ffff:93.184.215.14', 'public', 'ipv4Mapped:unicast'],
    ['64:ff9b::a9fe:a9fe', 'forbidden', 'rfc6052:linkLocal'],
    ['64:ff9b::5db8:d70e', 'public', 'rfc6052:unicast'],
    ['2002:a9fe:a9fe::1', 'forbidden', '6to4:linkLocal'],
    // The URL parser writes [::127.0.0.1] as [::7f00:1].
    ['::7f00:1', 'forbidden', 'ipv4Compatible'],
    ['[::1]', 'private', 'loopback'],
    ['not-an-address', 'forbidden', 'invalid'],
  ])('should classify %s as %s (%s)', (address, cls, range) => {
    expect(classifyAddress(address)).toMatchObject({ class: cls, range });
  });
});

describe('isAllowed', () => {
  it('should allow public addresses always, private ones only when allowed, forbidden ones never', () => {
    expect(isAllowed(classifyAddress('93.184.215.14'), false)).toBe(true);
    expect(isAllowed(classifyAddress('127.0.0.1'), false)).toBe(false);
    expect(isAllowed(classifyAddress('127.0.0.1'), true)).toBe(true);
    expect(isAllowed(classifyAddress('::ffff:192.168.0.1'), true)).toBe(true);
    expect(isAllowed(classifyAddress('169.254.169.254'), true)).toBe(false);
    expect(isAllowed(classifyAddress('::ffff:169.254.169.254'), true)).toBe(false);
    expect(isAllowed(classifyAddress('fd00:ec2::254'), true)).toBe(false);
    expect(isAllowed(classifyAddress('100.100.100.200'), true)).toBe(false);
    expect(isAllowed(classifyAddress('0.0.0.0'), true)).toBe(false);
  });
});

describe('describeRefusal', () => {
  it('should name the address, its kind and the setting that would allow it', () => {
    expect(describeRefusal(classifyAddress('127.0.0.1'), false)).toBe(
      '127.0.0.1 is a loopback address, which webhooks may not target (set WEBHOOK_ALLOW_PRIVATE=true to allow loopback and private targets)',
    );
    expect(describeRefusal(classifyAddress('169.254.169.254'), true)).toBe(
      '169.254.169.254 is a link-local address (cloud metadata lives there), which webhooks may not target',
    );
    expect(describeRefusal(classifyAddress('::ffff:169.254.169.254'), true)).toContain('link-local');
  });
});
