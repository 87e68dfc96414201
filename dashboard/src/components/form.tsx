/**
 * Form fields with their label and the API's validation problem right below them. Problems come
 * from the error body's `details[].field` (`variants[1].weight`), so each input is keyed by the
 * same path the API reports.
 */
import type { ComponentChildren } from 'preact';
import { ApiError } from '../api';
import { Link } from '../router';
import type { ErrorCode } from '../types';

export type FieldErrors = Record<string, string[]>;

/** Groups `details` by field; an error without details is pinned to the field its code names (e.g. KEY_TAKEN → key). */
export function toFieldErrors(error: ApiError | null, fieldsByCode: Partial<Record<ErrorCode, string>> = {}): FieldErrors {
  const errors: FieldErrors = {};
  if (!error) return errors;
  for (const { field, problem } of error.details) (errors[field] ??= []).push(problem);
  const field = error.code === null ? undefined : fieldsByCode[error.code];
  if (field !== undefined && error.details.length === 0) (errors[field] ??= []).push(error.message);
  return errors;
}

/**
 * The error without the problems of `field` (the user is fixing it); null once nothing is left,
 * so the summary disappears with the last highlighted field.
 */
export function withoutField(error: ApiError | null, field: string | undefined): ApiError | null {
  if (!error || !field || !error.details.some((d) => d.field === field)) return error;
  const details = error.details.filter((d) => d.field !== field);
  return details.length === 0 ? null : new ApiError(error.status, error.message, details, error.body);
}

/** For a form's onInput/onChange: clears the problems of the input that changed (inputs are named by field path). */
export function clearOnEdit(setError: (update: (error: ApiError | null) => ApiError | null) => void) {
  return (event: Event): void => {
    const name = (event.target as HTMLInputElement | null)?.name;
    setError((error) => withoutField(error, name));
  };
}

export function fieldId(field: string): string {
  return `f-${field.replace(/[^a-zA-Z0-9]+/g, '-')}`;
}

function ErrorText({ id, problems }: { id: string; problems?: string[] }) {
  if (!problems?.length) return null;
  return (
    <p class="field-error" id={`${id}-error`} role="alert">
      {problems.join('; ')}
    </p>
  );
}

interface BaseProps {
  field: string;
  label: string;
  errors: FieldErrors;
  hint?: string;
  class?: string;
}

function describedBy(id: string, hint: string | undefined, problems: string[] | undefined): string | undefined {
  const ids = [hint ? `${id}-hint` : '', problems?.length ? `${id}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

type InputProps = BaseProps & {
  value: string;
  onValue: (value: string) => void;
  type?: 'text' | 'datetime-local' | 'url';
  inputMode?: 'text' | 'decimal' | 'numeric' | 'url';
  placeholder?: string;
  maxLength?: number;
  required?: boolean;
};

export function TextField({ field, label, errors, hint, class: className, value, onValue, type, ...input }: InputProps) {
  const id = fieldId(field);
  // Preact types `type` as a union discriminating other attributes; these three take the same ones.
  const inputType = (type ?? 'text') as 'text';
  const problems = errors[field];
  return (
    <div class={`field ${className ?? ''} ${problems ? 'has-error' : ''}`}>
      <label for={id}>{label}</label>
      <input
        id={id}
        type={inputType}
        name={field}
        value={value}
        onInput={(e) => onValue(e.currentTarget.value)}
        aria-invalid={problems ? true : undefined}
        aria-describedby={describedBy(id, hint, problems)}
        {...input}
      />
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <ErrorText id={id} problems={problems} />
    </div>
  );
}

type AreaProps = BaseProps & { value: string; onValue: (value: string) => void; rows?: number; placeholder?: string };

export function TextArea({ field, label, errors, hint, class: className, value, onValue, rows = 2, placeholder }: AreaProps) {
  const id = fieldId(field);
  const problems = errors[field];
  return (
    <div class={`field ${className ?? ''} ${problems ? 'has-error' : ''}`}>
      <label for={id}>{label}</label>
      <textarea
        id={id}
        name={field}
        rows={rows}
        value={value}
        placeholder={placeholder}
        onInput={(e) => onValue(e.currentTarget.value)}
        aria-invalid={problems ? true : undefined}
        aria-describedby={describedBy(id, hint, problems)}
      />
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <ErrorText id={id} problems={problems} />
    </div>
  );
}

type SelectProps = BaseProps & { value: string; onValue: (value: string) => void; options: (string | [string, string])[] };

export function SelectField({ field, label, errors, hint, class: className, value, onValue, options }: SelectProps) {
  const id = fieldId(field);
  const problems = errors[field];
  return (
    <div class={`field ${className ?? ''} ${problems ? 'has-error' : ''}`}>
      <label for={id}>{label}</label>
      <select
        id={id}
        name={field}
        value={value}
        onChange={(e) => onValue(e.currentTarget.value)}
        aria-invalid={problems ? true : undefined}
        aria-describedby={describedBy(id, hint, problems)}
      >
        {options.map((option) => {
          const [optionValue, text] = typeof option === 'string' ? [option, option] : option;
          return (
            <option key={optionValue} value={optionValue}>
              {text}
            </option>
          );
        })}
      </select>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <ErrorText id={id} problems={problems} />
    </div>
  );
}

/** Problems reported on a group (`variants`, `schedule.stages`) rather than one input. */
export function GroupError({ field, errors }: { field: string; errors: FieldErrors }) {
  return <ErrorText id={fieldId(field)} problems={errors[field]} />;
}

/**
 * The whole error at the top of the form: the message and every problem as a link to its field,
 * so a keyboard user can jump there.
 */
export function ErrorSummary({ error }: { error: ApiError | null }) {
  if (!error) return null;
  return (
    <div class="banner banner-error" role="alert" tabIndex={-1}>
      <strong>{error.status === 400 ? 'Please correct the highlighted fields.' : error.message}</strong>
      {error.details.length > 0 && (
        <ul>
          {error.details.map((d) => (
            <li key={d.field + d.problem}>
              <a
                href={`#${fieldId(d.field)}`}
                onClick={(e) => {
                  const target = document.getElementById(fieldId(d.field));
                  if (target) {
                    e.preventDefault();
                    target.focus();
                  }
                }}
              >
                {d.field}
              </a>
              : {d.problem}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Fieldset({ legend, children, class: className }: { legend: string; children: ComponentChildren; class?: string }) {
  return (
    <fieldset class={className}>
      <legend>{legend}</legend>
      {children}
    </fieldset>
  );
}

/** Parses a number input; '' → undefined so the API's default applies, anything else stays as typed for the API to judge. */
export function numberOrUndefined(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : trimmed;
}

/**
 * A "New …" page: title and back link, the form with its error summary on top (problems clear as
 * their input is edited), the fields, and the submit button with a note next to it.
 */
export function CreateForm(props: {
  title: string;
  back: { href: string; label: string };
  error: ApiError | null;
  setError: (update: (error: ApiError | null) => ApiError | null) => void;
  onSubmit: (event: Event) => Promise<void>;
  busy: boolean;
  submitLabel: string;
  note: string;
  children: ComponentChildren;
}) {
  return (
    <main>
      <div class="page-head">
        <h1>{props.title}</h1>
        <Link href={props.back.href}>{props.back.label}</Link>
      </div>
      <form
        class="card form"
        onSubmit={(e) => void props.onSubmit(e)}
        onInput={clearOnEdit(props.setError)}
        onChange={clearOnEdit(props.setError)}
        noValidate
        aria-label={props.title}
      >
        <ErrorSummary error={props.error} />
        {props.children}
        <div class="form-actions">
          <button type="submit" class="primary" disabled={props.busy}>
            {props.busy ? 'Creating…' : props.submitLabel}
          </button>
          <span class="muted">{props.note}</span>
        </div>
      </form>
    </main>
  );
}
