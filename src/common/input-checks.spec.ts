import { FieldProblem, InvalidInputError } from './errors';
import {
  checkText,
  hasLoneSurrogate,
  LONE_SURROGATE_PROBLEM,
  MAX_USER_ID_LENGTH,
  optionalObject,
  parseFlatInput,
  requiredText,
} from './input-checks';

const FIELDS = { userId: requiredText(MAX_USER_ID_LENGTH), attributes: optionalObject };

/** The InvalidInputError that `parseFlatInput(raw, FIELDS)` throws; fails the test if it returns. */
function refusal(raw: unknown): InvalidInputError {
  try {
    parseFlatInput(raw, FIELDS);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be refused`);
}

function problemsOf(raw: unknown): FieldProblem[] | undefined {
  return refusal(raw).details;
}

describe(parseFlatInput.name, () => {
  describe('valid input', () => {
    it('should return the input itself when every field is fine', () => {
      const input = { userId: 'u-1', attributes: { country: 'DE' } };
      expect(parseFlatInput(input, FIELDS)).toBe(input);
    });

    it('should accept attributes absent or null', () => {
      expect(parseFlatInput({ userId: 'u-1' }, FIELDS)).toEqual({ userId: 'u-1' });
      expect(parseFlatInput({ userId: 'u-1', attributes: null }, FIELDS)).toEqual({ userId: 'u-1', attributes: null });
    });

    it('should accept a userId of exactly 256 characters', () => {
      const userId = 'x'.repeat(256);
      expect(parseFlatInput({ userId }, FIELDS)).toEqual({ userId });
    });

    it('should accept an object without a prototype (as a query string parser may build)', () => {
      const input = Object.assign(Object.create(null) as Record<string, unknown>, { userId: 'u-1' });
      expect(parseFlatInput(input, FIELDS)).toBe(input);
    });
  });

  describe('not an object', () => {
    it.each([
      ['undefined', undefined],
      ['null', null],
      ['an array', []],
      ['a string', 'x'],
      ['a number', 5],
    ])('should refuse %s as the whole body', (_label, raw) => {
      const error = refusal(raw);
      expect(error.details).toEqual([{ field: 'body', problem: 'must be a JSON object' }]);
      expect(error.message).toBe('body must be a JSON object');
      expect(error.statusCode).toBe(400);
    });
  });

  describe('userId', () => {
    it.each([
      ['missing', {}],
      ['null', { userId: null }],
    ])('should report a %s userId as required', (_label, raw) => {
      expect(problemsOf(raw)).toEqual([{ field: 'userId', problem: 'is required' }]);
    });

    it.each([
      ['a number', 5],
      ['a boolean', true],
      ['an array', ['a', 'b']],
      ['an object', { id: 'a' }],
    ])('should report %s as not a string', (_label, userId) => {
      expect(problemsOf({ userId })).toEqual([{ field: 'userId', problem: 'must be a string' }]);
    });

    it.each([
      ['empty', ''],
      ['257 characters long', 'x'.repeat(257)],
    ])('should report a userId that is %s as out of bounds', (_label, userId) => {
      const error = refusal({ userId });
      expect(error.details).toEqual([{ field: 'userId', problem: 'must be 1 to 256 characters long' }]);
      expect(error.message).toBe('userId must be 1 to 256 characters long');
    });

    it('should refuse a NUL character, which PostgreSQL text cannot hold', () => {
      expect(problemsOf({ userId: 'a\u0000b' })).toEqual([{ field: 'userId', problem: 'must not contain the NUL character (\\u0000)' }]);
    });
  });

  describe('attributes', () => {
    it.each([
      ['an array', []],
      ['a string', 'x'],
      ['a number', 1],
    ])('should report %s as not an object', (_label, attributes) => {
      expect(problemsOf({ userId: 'u', attributes })).toEqual([{ field: 'attributes', problem: 'must be an object' }]);
    });
  });

  describe('several problems', () => {
    it('should report unknown fields first, in key order, then each field, all at once', () => {
      const error = refusal({ zeta: 1, userId: 5, alpha: 2, attributes: 'x' });
      expect(error.details).toEqual([
        { field: 'zeta', problem: 'is not a known field' },
        { field: 'alpha', problem: 'is not a known field' },
        { field: 'userId', problem: 'must be a string' },
        { field: 'attributes', problem: 'must be an object' },
      ]);
      expect(error.message).toBe('zeta is not a known field; alpha is not a known field; userId must be a string; …');
    });

    it('should report an unknown field next to a valid userId', () => {
      const error = refusal({ userId: 'u', extra: 1 });
      expect(error.details).toEqual([{ field: 'extra', problem: 'is not a known field' }]);
      expect(error.message).toBe('extra is not a known field');
    });

    it('should summarise up to three problems without an ellipsis', () => {
      const error = refusal({ extra: 1, attributes: [] });
      expect(error.details).toEqual([
        { field: 'extra', problem: 'is not a known field' },
        { field: 'userId', problem: 'is required' },
        { field: 'attributes', problem: 'must be an object' },
      ]);
      expect(error.message).toBe('extra is not a known field; userId is required; attributes must be an object');
    });

    it('should use the same summary as InvalidInputError.fromProblems', () => {
      const raw = { a: 1, b: 2, userId: '' };
      const error = refusal(raw);
      expect(error.message).toBe(InvalidInputError.fromProblems(error.details ?? []).message);
    });
  });
});

describe('lone UTF-16 surrogates (issue 13)', () => {
  it.each(['\uD800', 'a\uDFFFb', 'x\uDBFF', '\uDC00\uD800'])('should refuse %j, which PostgreSQL would store as U+FFFD', (value) => {
    const problems: { field: string; problem: string }[] = [];
    checkText(problems, 'userId', value, 256, true);
    expect(problems).toEqual([{ field: 'userId', problem: LONE_SURROGATE_PROBLEM }]);
  });

  it('should accept a well-formed pair (an emoji)', () => {
    const problems: { field: string; problem: string }[] = [];
    checkText(problems, 'userId', 'user-\uD83D\uDE00', 256, true);
    expect(problems).toEqual([]);
    expect(hasLoneSurrogate('\uD83D\uDE00')).toBe(false);
  });
});
