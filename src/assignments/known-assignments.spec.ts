import type { ChangeFeedService, ChangeMessage } from '../database/change-feed.service';
import { KnownAssignments, userCacheBudget } from './known-assignments';

function feed(): { service: ChangeFeedService; send(change: ChangeMessage | 'resync'): void } {
  let listener: (change: ChangeMessage | 'resync') => void = () => undefined;
  return {
    service: {
      subscribe: (l: typeof listener) => {
        listener = l;
        return () => undefined;
      },
    } as unknown as ChangeFeedService,
    send: (change) => listener(change),
  };
}

describe(KnownAssignments.name, () => {
  it('should split USER_CACHE_MB between known assignments and the exposure buffer, never more in total', () => {
    const { knownAssignmentsBytes, exposureBufferBytes } = userCacheBudget({ userCacheMb: 64 });
    expect(knownAssignmentsBytes + exposureBufferBytes).toBeLessThanOrEqual(64 * 1024 * 1024);
  });

  // Issue 13: 200,000 entries per running experiment, so random ids grew it by that × experiments.
  it('should stay within its byte budget for 200,000 random users across 20 experiments', () => {
    const changes = feed();
    const known = new KnownAssignments({ userCacheMb: 2 } as never, changes.service);
    for (let i = 0; i < 200_000; i++) known.set(`experiment-${i % 20}`, `random-user-${i}-${'x'.repeat(i % 100)}`, 'control');
    expect(known.size.bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(known.size.maxBytes).toBe(1024 * 1024);
    expect(known.size.entries).toBeGreaterThan(1000);
    // The most recent ones are kept.
    expect(known.get('experiment-19', `random-user-199999-${'x'.repeat(99)}`)).toBe('control');
  });

  it('should forget an experiment on its change in O(1), and everything on resync', () => {
    const changes = feed();
    const known = new KnownAssignments({ userCacheMb: 1 } as never, changes.service);
    known.set('e1', 'u', 'a');
    known.set('e2', 'u', 'b');
    changes.send({ entity: 'experiment', id: 'e1' });
    expect(known.get('e1', 'u')).toBeUndefined();
    expect(known.get('e2', 'u')).toBe('b');
    known.set('e1', 'u', 'c');
    expect(known.get('e1', 'u')).toBe('c');
    changes.send('resync');
    expect(known.get('e1', 'u')).toBeUndefined();
    expect(known.get('e2', 'u')).toBeUndefined();
  });
});
