import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';

export interface Resource<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  /** Refetches without clearing what is shown (live updates must not flash the page). */
  reload: () => Promise<void>;
}

/** Loads `loader()` when `deps` change; `reload` refetches in place. Late answers of stale requests are dropped. */
export function useResource<T>(loader: () => Promise<T>, deps: unknown[]): Resource<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const latestLoader = useRef(loader);
  latestLoader.current = loader;

  const run = useCallback(async (): Promise<void> => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const value = await latestLoader.current();
      if (mine !== generation.current) return;
      setData(value);
      setError(null);
    } catch (e) {
      if (mine !== generation.current) return;
      setError(e instanceof ApiError ? e : new ApiError(0, (e as Error).message));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    setData(null);
    void run();
  }, deps);

  return { data, error, loading, reload: run };
}
