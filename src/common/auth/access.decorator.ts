import { SetMetadata } from '@nestjs/common';

/**
 * Who may call a route: `public` (no token: /health, /metrics, /docs), `client` (runtime routes:
 * admin or client tokens) or `admin` (the default for every route that says nothing).
 */
export type AccessLevel = 'public' | 'client' | 'admin';
export type Actor = 'admin' | 'client' | 'scheduler';

export const ACCESS_KEY = 'access';
export const QUERY_TICKET_KEY = 'access:queryTicket';

export const Access = (level: AccessLevel): MethodDecorator & ClassDecorator => SetMetadata(ACCESS_KEY, level);

/** EventSource cannot set headers, so the stream alone accepts `?ticket=` (stream-ticket.ts), never a token in the URL. */
export const AllowQueryTicket = (): MethodDecorator & ClassDecorator => SetMetadata(QUERY_TICKET_KEY, true);
