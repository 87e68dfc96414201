import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Received {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** How the receiver answers one request: a status (with optional headers), never, or by dropping the connection. */
export type Behaviour = { status: number; headers?: Record<string, string>; body?: string } | 'hang' | 'reset';

/**
 * A real HTTP receiver on 127.0.0.1 that records every request and answers as told: queued
 * behaviours first, then the default.
 */
export class Receiver {
  readonly received: Received[] = [];
  fallback: Behaviour = { status: 204 };
  /** The most requests that were open at the same moment. */
  maxOpen = 0;
  private open = 0;
  private readonly queued: Behaviour[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: http.Server) {}

  /** On `port` (to come back where a subscription points after being down), or any free one. */
  static async start(port = 0): Promise<Receiver> {
    const server = http.createServer();
    const receiver = new Receiver(server);
    server.on('connection', (socket) => {
      receiver.sockets.add(socket);
      socket.on('close', () => receiver.sockets.delete(socket));
    });
    server.on('request', (req, res) => receiver.handle(req, res));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** The next requests get these answers, in order. */
  answer(...behaviours: Behaviour[]): void {
    this.queued.push(...behaviours);
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  reset(): void {
    this.received.length = 0;
    this.queued.length = 0;
    this.fallback = { status: 204 };
    this.maxOpen = 0;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.open++;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    res.on('close', () => this.open--);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
      this.received.push({ method: req.method ?? '', path: req.url ?? '', headers, body: Buffer.concat(chunks).toString('utf8') });
      const behaviour = this.queued.shift() ?? this.fallback;
      if (behaviour === 'hang') return;
      if (behaviour === 'reset') {
        req.socket.destroy();
        return;
      }
      res.writeHead(behaviour.status, behaviour.headers);
      res.end(behaviour.body ?? '');
    });
  }
}
