import * as http from 'node:http';

export interface StreamEvent {
  event: string;
  data: any;
}

export interface OpenStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  raw: string;
  events: StreamEvent[];
  ended: boolean;
  close(): void;
}

/** A minimal EventSource: parses `event:` / `data:` blocks as they arrive. */
export function openStream(base: string, path: string, headers: Record<string, string> = {}): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, { headers }, (res) => {
      const stream: OpenStream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        raw: '',
        events: [],
        ended: false,
        close: () => req.destroy(),
      };
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        stream.raw += chunk;
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (event && data) stream.events.push({ event, data: JSON.parse(data) });
        }
      });
      res.on('end', () => (stream.ended = true));
      res.on('error', () => (stream.ended = true));
      resolve(stream);
    });
    req.on('error', reject);
  });
}
