import { useState } from 'preact/hooks';
import type { ApiError } from './api';

/**
 * The state of a form's submit or a row of action buttons: which action is running (buttons show it
 * and are disabled), and the last failure, kept for the page to show next to the fields.
 */
export function useAction<Label extends string = string>() {
  const [busy, setBusy] = useState<Label | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  const run = async (label: Label, action: () => Promise<unknown>, options: { scrollToError?: boolean } = {}): Promise<boolean> => {
    setBusy(label);
    setError(null);
    try {
      await action();
      return true;
    } catch (e) {
      setError(e as ApiError);
      // Long forms: the error summary is at the top.
      if (options.scrollToError) window.scrollTo(0, 0);
      return false;
    } finally {
      setBusy(null);
    }
  };

  return { busy, error, setError, run };
}
