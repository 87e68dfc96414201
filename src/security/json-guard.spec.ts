import { findJsonProblem } from './json-guard';

const nestedArrays = (depth: number): unknown => JSON.parse('['.repeat(depth) + ']'.repeat(depth));

describe('findJsonProblem', () => {
  it.each([
    ['a scalar', 7, 1, null],
    ['an empty object', {}, 1, null],
    ['an object with scalars', { a: 1, b: 'x', c: null }, 1, null],
    ['an object in an object at the limit', { a: { b: 1 } }, 2, null],
    ['an object in an object over the limit', { a: { b: {} } }, 2, 'Request body is nested more than 2 levels deep'],
    ['64 nested arrays at limit 64', nestedArrays(64), 64, null],
    ['65 nested arrays at limit 64', nestedArrays(65), 64, 'Request body is nested more than 64 levels deep'],
    ['a deep branch beside shallow ones', { a: 1, b: [1, 2, { c: [[[]]] }] }, 4, 'Request body is nested more than 4 levels deep'],
    [
      'hasOwnProperty at the top',
      JSON.parse('{"hasOwnProperty": 1}'),
      64,
      'Field name "hasOwnProperty" is not allowed: it shadows a built-in JavaScript property',
    ],
    [
      '__defineGetter__ in an array item',
      JSON.parse('{"a": [{"__defineGetter__": {}}]}'),
      64,
      expect.stringContaining('"__defineGetter__"'),
    ],
    ['toString as a nested key', JSON.parse('{"config": {"toString": "x"}}'), 64, expect.stringContaining('"toString"')],
    ['prototype anywhere', JSON.parse('{"variants": [{"prototype": 1}]}'), 64, expect.stringContaining('"prototype"')],
    ['__proto__ as an own key', JSON.parse('{"__proto__": {"admin": true}}'), 64, expect.stringContaining('"__proto__"')],
    ['keys that merely look similar', { tostring: 1, proto: 2, _constructor: 3 }, 64, null],
  ])('should judge %s', (_name, value, limit, expected) => {
    expect(findJsonProblem(value, limit)).toEqual(expected);
  });

  it('should handle 100,000 levels without overflowing the stack', () => {
    expect(findJsonProblem(nestedArrays(100_000), 64)).toBe('Request body is nested more than 64 levels deep');
  });
});
