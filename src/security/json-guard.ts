import type { FastifyInstance } from 'fastify';
import { errorBody } from '../common/http-error.filter';
import { hasLoneSurrogate, LONE_SURROGATE_PROBLEM } from '../common/input-checks';

/**
 * Deeper than any real experiment config or event properties; shallow enough that validation
 * (class-transformer and class-validator recurse once per level) can never exhaust the stack.
 * Without it, a 2,000-level `[[[…]]]` in any field was a 500 (RangeError: Maximum call stack size exceeded).
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Keys that name Object.prototype members, and `prototype`. Fastify already refuses `__proto__` and
 * `constructor.prototype`; the others (`prototype`, `hasOwnProperty`, `toString`, `__defineGetter__`,
 * …) were silently dropped during validation instead of being reported as unknown fields (so a body
 * with them was accepted), and can break code that calls them on the parsed object.
 */
const FORBIDDEN_KEYS = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/** The first problem with a parsed JSON body, or null. Iterative, so it cannot overflow the stack. */
export function findJsonProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): string | null {
  const stack: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 1 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > maxDepth) return `Request body is nested more than ${maxDepth} levels deep`;
    if (Array.isArray(node)) {
      for (const child of node) {
        if (typeof child === 'string' && hasLoneSurrogate(child)) return `A string in the request body ${LONE_SURROGATE_PROBLEM}`;
        if (child !== null && typeof child === 'object') stack.push({ node: child, depth: depth + 1 });
      }
      continue;
    }
    for (const key of Object.keys(node)) {
      if (FORBIDDEN_KEYS.has(key)) return `Field name "${key}" is not allowed: it shadows a built-in JavaScript property`;
      const child = (node as Record<string, unknown>)[key];
      if (hasLoneSurrogate(key)) return `A field name in the request body ${LONE_SURROGATE_PROBLEM}`;
      if (typeof child === 'string' && hasLoneSurrogate(child)) return `Field "${key}" ${LONE_SURROGATE_PROBLEM}`;
      if (child !== null && typeof child === 'object') stack.push({ node: child, depth: depth + 1 });
    }
  }
  return null;
}

/** Rejects such bodies with 400 and the contract's error body, before any validation runs. */
export function registerJsonGuard(fastify: FastifyInstance, maxDepth = MAX_JSON_DEPTH): void {
  // The API speaks JSON only: Fastify's other default parser (text/plain) would hand a route that
  // takes no body a string and let the request through; without it such a body is a 415, as XML is.
  fastify.removeContentTypeParser('text/plain');
  fastify.addHook('preValidation', (request, reply, done) => {
    const problem = request.body !== null && typeof request.body === 'object' ? findJsonProblem(request.body, maxDepth) : null;
    if (problem === null) done();
    else void reply.status(400).send(errorBody(400, problem, 'INVALID_JSON'));
  });
}
