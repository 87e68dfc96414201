import { navigate } from './router';

/**
 * `?status=&offset=` of a list page, and how to move to another status filter or page (replacing the
 * history entry). With a default status (alerts: `open`), "all" is kept in the URL as `status=`.
 */
export function useListQuery<Status extends string>(path: string, query: URLSearchParams, defaultStatus: Status | '' = '') {
  const raw = query.get('status');
  const status = (raw === null ? defaultStatus : raw) as Status | '';
  const offset = Math.max(0, Number(query.get('offset') ?? 0) || 0);

  const go = (next: { status?: string; offset?: number }): void => {
    const params = new URLSearchParams();
    const nextStatus = next.status ?? status;
    if (nextStatus || defaultStatus) params.set('status', nextStatus);
    if ((next.offset ?? 0) > 0) params.set('offset', String(next.offset));
    const text = params.toString();
    navigate(`${path}${text ? `?${text}` : ''}`, { replace: true });
  };

  return { status, offset, go };
}
