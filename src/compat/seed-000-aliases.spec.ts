import { seed000PathOf, seed000Successor } from './seed-000-aliases';

describe('seed-000 aliases', () => {
  it.each([
    ['/api/experiments', '/api/v1/experiments'],
    ['/api/experiments?limit=5', '/api/v1/experiments?limit=5'],
    ['/api/experiments/', '/api/v1/experiments/'],
    ['/api/experiments/checkout/assign', '/api/v1/experiments/checkout/assign'],
    ['/api/experiments/conversions', '/api/v1/experiments/conversions'],
    ['/api/experiments/rollouts', '/api/v1/rollouts'],
    ['/api/experiments/rollouts?limit=1', '/api/v1/rollouts?limit=1'],
    ['/api/experiments/rollouts/check/v2.0.0?userId=u-1', '/api/v1/rollouts/check/v2.0.0?userId=u-1'],
    ['/api/experiments/rollouts/abc/start', '/api/v1/rollouts/abc/start'],
    ['/api/experiments/rolloutsx', '/api/v1/experiments/rolloutsx'],
  ])('should route %s as %s', (url, successor) => {
    expect(seed000Successor(url)).toBe(successor);
  });

  it.each(['/api/v1/experiments', '/api/experimentsx', '/api/experiment', '/health', '/api/events/batch', '/'])(
    'should leave %s alone',
    (url) => {
      expect(seed000Successor(url)).toBeNull();
    },
  );

  it.each([
    ['/api/v1/experiments/{idOrKey}', '/api/experiments/{idOrKey}'],
    ['/api/v1/rollouts/check/{modelVersion}', '/api/experiments/rollouts/check/{modelVersion}'],
    ['/api/v1/rollouts', '/api/experiments/rollouts'],
    ['/api/v1/decide', null],
    ['/api/v1/rolloutsx', null],
  ])('should document %s under %s', (v1, alias) => {
    expect(seed000PathOf(v1)).toBe(alias);
  });
});
