import { useEffect, useState } from 'preact/hooks';
import { api, getToken, probe, setToken, setUnauthorizedHandler } from './api';
import { Banner } from './components/common';
import { connectLive, disconnectLive, useLive, useLiveStatus } from './live';
import { AlertsPage } from './pages/alerts';
import { ExperimentCreate } from './pages/experiment-create';
import { ExperimentDetail } from './pages/experiment-detail';
import { ExperimentsList } from './pages/experiments-list';
import { RolloutCreate } from './pages/rollout-create';
import { RolloutDetail } from './pages/rollout-detail';
import { RolloutsList } from './pages/rollouts-list';
import { SignIn } from './pages/sign-in';
import { WebhookDetail } from './pages/webhooks-detail';
import { WebhooksPage } from './pages/webhooks';
import { Link, match, navigate, usePath } from './router';
import type { Alert } from './types';
import { useResource } from './use-resource';

type AuthState =
  | { kind: 'checking' }
  | { kind: 'signed-out'; reason: string | null }
  | { kind: 'ready'; openMode: boolean }
  | { kind: 'down'; message: string };

export function App() {
  const [auth, setAuth] = useState<AuthState>({ kind: 'checking' });

  const check = async (): Promise<void> => {
    const token = getToken();
    try {
      const result = await probe(token);
      if (result === 'ok') {
        setAuth({ kind: 'ready', openMode: token === null });
        connectLive();
      } else {
        setToken(null);
        setAuth({ kind: 'signed-out', reason: token ? 'The saved token is no longer accepted.' : null });
      }
    } catch (e) {
      setAuth({ kind: 'down', message: (e as Error).message });
    }
  };

  useEffect(() => {
    setUnauthorizedHandler((error) => {
      disconnectLive();
      setToken(null);
      setAuth({
        kind: 'signed-out',
        reason:
          error.status === 403 ? 'That token has the client scope: sign in with the admin token.' : 'Your session ended: sign in again.',
      });
    });
    void check();
    return () => disconnectLive();
  }, []);

  if (auth.kind === 'checking') return <p class="muted center">Connecting…</p>;
  if (auth.kind === 'down')
    return (
      <main>
        <Banner kind="error" title="The service is not answering">
          {auth.message}{' '}
          <button type="button" onClick={() => void check()}>
            Try again
          </button>
        </Banner>
      </main>
    );
  if (auth.kind === 'signed-out')
    return (
      <SignIn
        reason={auth.reason}
        onSignedIn={(token) => {
          setToken(token);
          setAuth({ kind: 'ready', openMode: false });
          connectLive();
        }}
      />
    );

  const signOut = (): void => {
    setToken(null);
    disconnectLive();
    setAuth({ kind: 'signed-out', reason: 'Signed out.' });
  };
  return <Shell openMode={auth.openMode} onSignOut={signOut} />;
}

function Shell({ openMode, onSignOut }: { openMode: boolean; onSignOut: () => void }) {
  const { path, query } = usePath();
  const live = useLiveStatus();
  const openAlerts = useResource(() => api.alerts.list({ status: 'open', limit: 20 }), []);
  useLive(
    (e) => e.type === 'alert.raised',
    () => void openAlerts.reload(),
  );
  useEffect(() => {
    // A fallback for when the stream is down: the badge is never more than a minute stale.
    const timer = window.setInterval(() => void openAlerts.reload(), 60_000);
    return () => window.clearInterval(timer);
  }, []);

  useEffect(() => {
    if (path === '/') navigate('/experiments', { replace: true });
  }, [path]);

  const count = openAlerts.data?.total ?? 0;
  const critical = openAlerts.data?.items.find((a) => a.severity === 'critical');
  const section = path.split('/')[1] ?? '';

  return (
    <>
      <a class="skip-link" href="#content">
        Skip to content
      </a>
      <header class="topbar">
        <Link href="/experiments" class="brand">
          Experimentation
        </Link>
        <nav aria-label="Main">
          <Link href="/experiments" aria-current={section === 'experiments' ? 'page' : undefined}>
            Experiments
          </Link>
          <Link href="/rollouts" aria-current={section === 'rollouts' ? 'page' : undefined}>
            Rollouts
          </Link>
          <Link href="/webhooks" aria-current={section === 'webhooks' ? 'page' : undefined}>
            Webhooks
          </Link>
          <Link href="/alerts" aria-current={section === 'alerts' ? 'page' : undefined} data-testid="alerts-link">
            Alerts{' '}
            <span class={`count ${count > 0 ? 'has-alerts' : ''}`} data-testid="alert-badge" aria-label={`${count} open alerts`}>
              {count}
            </span>
          </Link>
        </nav>
        <div class="topbar-end">
          <span
            class={`live live-${live}`}
            title={live === 'live' ? 'Live updates on' : live === 'connecting' ? 'Connecting to live updates' : 'Live updates off'}
          >
            <span class="dot" aria-hidden="true" /> {live === 'live' ? 'live' : live === 'connecting' ? 'connecting' : 'offline'}
          </span>
          {openMode ? (
            <span class="muted small" title="Neither ADMIN_TOKEN nor CLIENT_TOKENS is set on the service">
              open mode
            </span>
          ) : (
            <button type="button" class="link" onClick={onSignOut}>
              Sign out
            </button>
          )}
        </div>
      </header>
      {critical && section !== 'alerts' && <CriticalBanner alert={critical} count={count} />}
      <div id="content" class="content">
        <Route path={path} query={query} onAlertsChanged={() => void openAlerts.reload()} />
      </div>
    </>
  );
}

function CriticalBanner({ alert, count }: { alert: Alert; count: number }) {
  return (
    <div class="critical-banner" role="alert">
      <strong>{alert.kind.replace(/_/g, ' ')}:</strong> {alert.message}{' '}
      <Link href="/alerts">{count > 1 ? `See all ${count} open alerts` : 'See alerts'}</Link>
    </div>
  );
}

function Route({ path, query, onAlertsChanged }: { path: string; query: URLSearchParams; onAlertsChanged: () => void }) {
  if (path === '/' || path === '/experiments') return <ExperimentsList query={query} />;
  if (path === '/experiments/new') return <ExperimentCreate />;
  let params = match('/experiments/:idOrKey', path);
  if (params) return <ExperimentDetail key={params.idOrKey} idOrKey={params.idOrKey} />;
  if (path === '/rollouts') return <RolloutsList query={query} />;
  if (path === '/rollouts/new') return <RolloutCreate />;
  params = match('/rollouts/:id', path);
  if (params) return <RolloutDetail key={params.id} id={params.id} />;
  if (path === '/alerts') return <AlertsPage query={query} onChanged={onAlertsChanged} />;
  if (path === '/webhooks') return <WebhooksPage query={query} />;
  params = match('/webhooks/:id', path);
  if (params) return <WebhookDetail key={params.id} id={params.id} />;
  return (
    <main>
      <h1>Page not found</h1>
      <p>
        There is no page at <code>{path}</code>. <Link href="/experiments">Go to experiments</Link>.
      </p>
    </main>
  );
}
