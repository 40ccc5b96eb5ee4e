import { useEffect, useState } from "preact/hooks";

/** History-API routing under /console: a link click changes the URL without a reload, and Back works. */
export const BASE = "/console";

const listeners = new Set<() => void>();
window.addEventListener("popstate", () => listeners.forEach((l) => l()));

export function navigate(path: string): void {
  history.pushState(null, "", `${BASE}${path}`);
  listeners.forEach((l) => l());
  window.scrollTo(0, 0);
}

/** The path below /console (`/calls/CAL-…`), and its query. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const [, rerender] = useState(0);
  useEffect(() => {
    const l = () => rerender((n) => n + 1);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) || "/" : "/";
  return { path: path.replace(/\/$/, "") || "/", query: new URLSearchParams(location.search) };
}

/** Follows same-app links in place; modified clicks (new tab) are left to the browser. */
export function onLinkClick(e: MouseEvent): void {
  const a = (e.target as HTMLElement).closest("a");
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.target) return;
  const url = new URL(a.href);
  if (url.origin !== location.origin || !url.pathname.startsWith(BASE)) return;
  e.preventDefault();
  history.pushState(null, "", url.pathname + url.search);
  listeners.forEach((l) => l());
  window.scrollTo(0, 0);
}
