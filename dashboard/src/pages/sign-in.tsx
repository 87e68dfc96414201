import { useState } from 'preact/hooks';
import { probe } from '../api';

/** Asks for the admin token once per browser session (kept in sessionStorage, sent as a bearer token). */
export function SignIn({ onSignedIn, reason }: { onSignedIn: (token: string) => void; reason: string | null }) {
  const [token, setTokenText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const value = token.trim();
    if (!value) {
      setError('Enter the admin token (the ADMIN_TOKEN the service was started with).');
      return;
    }
    setBusy(true);
    try {
      const result = await probe(value);
      if (result === 'ok') onSignedIn(value);
      else if (result === 'forbidden') setError('This is a client token: the dashboard needs the admin token.');
      else setError('The service does not accept this token.');
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <form class="card" onSubmit={(e) => void submit(e)} noValidate>
        <h1>Sign in</h1>
        <p class="muted">{reason ?? 'This service requires the admin token.'} It is kept in this browser tab only (sessionStorage).</p>
        <div class={`field ${error ? 'has-error' : ''}`}>
          <label for="admin-token">Admin token</label>
          <input
            id="admin-token"
            type="password"
            autoComplete="current-password"
            value={token}
            onInput={(e) => setTokenText(e.currentTarget.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'admin-token-error' : undefined}
            autoFocus
          />
          {error && (
            <p class="field-error" id="admin-token-error" role="alert">
              {error}
            </p>
          )}
        </div>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
