import fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { registerRequestLog } from './request-log';

interface LogLine {
  level: number;
  msg: string;
  req: { id: string; method: string; url: string };
  res: { statusCode: number };
  responseTime: number;
}

/** A bare Fastify app whose request log goes to memory, with one route per outcome. */
async function appLoggingAt(level: pino.LevelWithSilent): Promise<{ app: FastifyInstance; output: string[]; lines(): LogLine[] }> {
  const output: string[] = [];
  const logger = pino({ level }, { write: (chunk: string) => void output.push(chunk) });
  const app = fastify();
  registerRequestLog(app, logger);
  app.get('/ok', async () => ({ ok: true }));
  app.post('/created', async (_request, reply) => reply.code(201).send({ id: 1 }));
  app.get('/boom', async () => {
    throw new Error('kaput');
  });
  await app.ready();
  const lines = (): LogLine[] =>
    output
      .join('')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as LogLine);
  return { app, output, lines };
}

describe(registerRequestLog.name, () => {
  describe('at info', () => {
    let app: FastifyInstance;
    let output: string[];
    let lines: () => LogLine[];

    beforeEach(async () => {
      ({ app, output, lines } = await appLoggingAt('info'));
    });
    afterEach(() => app.close());

    it('should write one info line per finished request, in the pino-http shape', async () => {
      const res = await app.inject({ method: 'GET', url: '/ok' });
      expect(res.statusCode).toBe(200);
      const logged = lines();
      expect(logged).toHaveLength(1);
      expect(logged[0]).toEqual(
        expect.objectContaining({
          level: 30,
          msg: 'request completed',
          req: { id: expect.any(String), method: 'GET', url: '/ok' },
          res: { statusCode: 200 },
          responseTime: expect.any(Number),
        }),
      );
      expect(logged[0].req.id).not.toBe('');
      expect(logged[0].responseTime).toBeGreaterThanOrEqual(0);
    });

    it('should log the method and status of each request, with distinct request ids', async () => {
      await app.inject({ method: 'POST', url: '/created', payload: {} });
      await app.inject({ method: 'GET', url: '/missing' });
      const logged = lines();
      expect(logged.map((line) => [line.level, line.msg, line.req.method, line.req.url, line.res.statusCode])).toEqual([
        [30, 'request completed', 'POST', '/created', 201],
        [30, 'request completed', 'GET', '/missing', 404],
      ]);
      expect(new Set(logged.map((line) => line.req.id)).size).toBe(2);
    });

    it('should write a 5xx as an error line', async () => {
      const res = await app.inject({ method: 'GET', url: '/boom' });
      expect(res.statusCode).toBe(500);
      expect(lines()).toEqual([
        expect.objectContaining({
          level: 50,
          msg: 'request errored',
          req: { id: expect.any(String), method: 'GET', url: '/boom' },
          res: { statusCode: 500 },
          responseTime: expect.any(Number),
        }),
      ]);
    });

    it('should never write a ?token= value', async () => {
      await app.inject({ method: 'GET', url: '/ok?token=secret&x=1' });
      await app.inject({ method: 'GET', url: '/ok?x=1&token=secret' });
      await app.inject({ method: 'GET', url: '/boom?token=secret' });
      // Percent-encoded keys reach the route as `token` (the query parser decodes them).
      await app.inject({ method: 'GET', url: '/ok?%74oken=secret&to%6Ben=secret' });
      expect(lines().map((line) => line.req.url)).toEqual([
        '/ok?token=[redacted]&x=1',
        '/ok?x=1&token=[redacted]',
        '/boom?token=[redacted]',
        '/ok?%74oken=[redacted]&to%6Ben=[redacted]',
      ]);
      expect(output.join('')).not.toContain('secret');
    });
  });

  describe('above info', () => {
    it.each(['warn', 'error'] as const)('should write only the 5xx lines at %s', async (level) => {
      const { app, output } = await appLoggingAt(level);
      try {
        expect((await app.inject({ method: 'GET', url: '/ok?token=secret' })).statusCode).toBe(200);
        expect((await app.inject({ method: 'GET', url: '/boom?token=secret' })).statusCode).toBe(500);
        const logged = output
          .join('')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line));
        expect(logged).toEqual([
          expect.objectContaining({ level: 50, msg: 'request errored', req: expect.objectContaining({ url: '/boom?token=[redacted]' }) }),
        ]);
      } finally {
        await app.close();
      }
    });

    it.each(['fatal', 'silent'] as const)('should write nothing at %s', async (level) => {
      const { app, output } = await appLoggingAt(level);
      try {
        expect((await app.inject({ method: 'GET', url: '/boom' })).statusCode).toBe(500);
        expect(output).toEqual([]);
      } finally {
        await app.close();
      }
    });
  });
});
