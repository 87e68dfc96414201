/**
 * Reference servers for `npm run bench`: the assign route's shape (POST, JSON body in, JSON out)
 * answered by bare Fastify, and by a bare NestJS application on Fastify (no guards, pipes, hooks,
 * logging or database). Measured with the same load as the assign scenarios, they show how much of
 * the hello-world rate each framework layer leaves on this machine, before the service does anything.
 *
 *   node dist/bench/framework-floors.js fastify|nest   → prints the port, serves until SIGTERM
 */
import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Param, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import Fastify from 'fastify';

export type FrameworkFloor = 'fastify' | 'nest';

const ROUTE = '/api/v1/experiments/:idOrKey/assign';

function answer(idOrKey: string, body: unknown) {
  const userId = (body as { userId?: unknown } | null)?.userId;
  return {
    experimentId: idOrKey,
    experimentKey: idOrKey,
    userId,
    inExperiment: true,
    variant: { name: 'control', config: {} },
    reason: 'sticky',
  };
}

@Controller('api/v1/experiments')
class FloorController {
  @Post(':idOrKey/assign')
  @HttpCode(200)
  assign(@Param('idOrKey') idOrKey: string, @Body() body: unknown) {
    return answer(idOrKey, body);
  }
}

@Module({ controllers: [FloorController] })
export class FloorModule {}

async function listen(kind: FrameworkFloor): Promise<number> {
  if (kind === 'fastify') {
    const app = Fastify();
    app.post<{ Params: { idOrKey: string } }>(ROUTE, async (request) => answer(request.params.idOrKey, request.body));
    await app.listen({ port: 0, host: '127.0.0.1' });
    return (app.server.address() as { port: number }).port;
  }
  const app = await NestFactory.create<NestFastifyApplication>(FloorModule, new FastifyAdapter(), { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.getHttpServer().address() as { port: number }).port;
}

if (require.main === module) {
  const kind = process.argv[2] as FrameworkFloor;
  if (kind !== 'fastify' && kind !== 'nest') throw new Error('usage: framework-floors.js fastify|nest');
  process.once('SIGTERM', () => process.exit(0));
  void listen(kind).then((port) => process.stdout.write(`${port}\n`));
}
