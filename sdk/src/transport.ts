/** HTTP for the SDK's own calls: bearer token, JSON, a timeout on every request. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }

  /** Worth trying again later: the service is away, overloaded or limiting us; anything else is our request's fault. */
  get retryable(): boolean {
    return this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

export interface HttpResponse<T> {
  status: number;
  headers: Headers;
  body: T | null;
}

export interface TransportOptions {
  baseUrl: string;
  token?: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export class Transport {
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: TransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? fetch;
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.options.token ? { authorization: `Bearer ${this.options.token}`, ...extra } : extra;
  }

  /** JSON request; a 304 comes back with a null body, any other non-2xx status throws an HttpError. */
  async request<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<HttpResponse<T>> {
    const headers = this.headers(extraHeaders);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.fetchImpl(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    if (response.status === 304) return { status: 304, headers: response.headers, body: null };
    const text = await response.text();
    if (!response.ok) {
      let message = text.slice(0, 500);
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {
        // not JSON: keep the text
      }
      throw new HttpError(response.status, `${method} ${path} → ${response.status}: ${message}`);
    }
    return { status: response.status, headers: response.headers, body: text.length > 0 ? (JSON.parse(text) as T) : null };
  }

  /** An open streaming GET (Server-Sent Events); the caller reads and aborts it. */
  async stream(path: string, signal: AbortSignal): Promise<Response> {
    const response = await this.fetchImpl(`${this.baseUrl}${path}`, { headers: this.headers({ accept: 'text/event-stream' }), signal });
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      throw new HttpError(response.status, `GET ${path} → ${response.status}`);
    }
    return response;
  }
}

/**
 * Reads `event:` / `data:` blocks from an SSE body until it ends (comments and `retry:` are skipped).
 * `onEvent` gets the event name and the data text.
 */
export async function readEvents(response: Response, onEvent: (event: string, data: string) => void): Promise<void> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length > 0) onEvent(event, data.join('\n'));
    }
    // A hostile or broken server cannot make us hold an unbounded partial event.
    if (buffer.length > 1024 * 1024) throw new Error('event stream: an event is larger than 1 MiB');
  }
}
