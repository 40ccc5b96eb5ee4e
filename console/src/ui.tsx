import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { Problem } from "./api.ts";

/** Loads a page's data; a failure becomes a message on the page, never an exception on screen. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data?: T; error?: unknown; reload: () => void } {
  const [state, setState] = useState<{ data?: T; error?: unknown }>({});
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let live = true;
    setState({});
    load().then(
      (data) => live && setState({ data }),
      (error) => live && setState({ error }),
    );
    return () => void (live = false);
  }, [...deps, generation]);
  return { ...state, reload: useCallback(() => setGeneration((g) => g + 1), []) };
}

/** A problem+json (or any failure) as a readable message: title and detail, never a stack. */
export function ProblemMessage({ error }: { error: unknown }) {
  if (!error) return null;
  const p = error instanceof Problem ? error : new Problem(0, "Something went wrong", "the page could not finish; reload to try again");
  return (
    <div class="problem" role="alert">
      <strong>{p.title}</strong>
      {p.detail && <span>: {p.detail}</span>}
      {p.errors.length > 0 && (
        <ul>
          {p.errors.map((e) => (
            <li key={e.path}>
              <code>{e.path}</code> {e.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** What a page shows while it loads, when it failed, and when its list is empty. */
export function Loaded<T>({ state, empty, children }: { state: { data?: T; error?: unknown }; empty?: (data: T) => string | null; children: (data: T) => ComponentChildren }) {
  if (state.error) {
    // A section whose issue has not landed (404 route) shows nothing rather than an error.
    if (state.error instanceof Problem && state.error.status === 404) return <p class="empty">Not available on this platform yet.</p>;
    return <ProblemMessage error={state.error} />;
  }
  if (state.data === undefined) return <p aria-busy="true">Loading…</p>;
  const emptyText = empty?.(state.data);
  if (emptyText) return <p class="empty">{emptyText}</p>;
  return <>{children(state.data)}</>;
}

export function Field({ id, label, error, hint, children }: { id: string; label: string; error?: string; hint?: string; children: ComponentChildren }) {
  return (
    <div class={`field${error ? " invalid" : ""}`}>
      <label for={id}>{label}</label>
      {children}
      {hint && <small id={`${id}-hint`}>{hint}</small>}
      {error && (
        <small class="field-error" id={`${id}-error`} role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

export const formatMoney = (minor: number | null | undefined, currency: string | null | undefined) =>
  minor == null ? "—" : new Intl.NumberFormat("en", { style: "currency", currency: currency ?? "USD" }).format(minor / 100);

export const formatDate = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "medium" }) : "—");

export const formatSeconds = (s: number | null | undefined) => (s == null ? "—" : `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, "0")}`);

export function PageHeader({ title, children }: { title: string; children?: ComponentChildren }) {
  useEffect(() => void (document.title = `${title} · Voice agent console`), [title]);
  return (
    <header class="page-header">
      <h1 tabIndex={-1}>{title}</h1>
      {children}
    </header>
  );
}
