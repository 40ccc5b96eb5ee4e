import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { api, type Page } from "./api.ts";
import { Loaded, useLoad } from "./ui.tsx";

/** One column: its header (hidden visually when `hidden`, e.g. an actions column) and what a row shows in it. */
export interface Column<T> {
  header: string;
  cell: (row: T) => ComponentChildren;
  hidden?: boolean;
  class?: string;
}

/** Every list of the console: a captioned table that scrolls sideways inside itself on a narrow screen. */
export function Table<T>({ caption, columns, rows, rowKey }: { caption: string; columns: Column<T>[]; rows: T[]; rowKey: (row: T) => string | number }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={`${caption} (scrolls sideways on small screens)`}>
      <table>
        <caption class="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c.header}>
                {c.hidden ? <span class="sr-only">{c.header}</span> : c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((c) => (
                <td key={c.header} class={c.class}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * A cursor-paged `/v1` list at `path` (its filters and limit included, so it has a `?`). The cursors seen so far
 * are kept as a stack, so "Newer" goes back without the API paging backwards; a new path starts at its first page.
 */
export function usePagedList<T>(path: string) {
  const [seen, setSeen] = useState<{ path: string; cursors: string[] }>({ path, cursors: [] });
  const cursors = seen.path === path ? seen.cursors : [];
  const cursor = cursors[cursors.length - 1];
  const state = useLoad(() => api<Page<T>>("GET", cursor ? `${path}&cursor=${encodeURIComponent(cursor)}` : path), [path, cursor]);
  const next = state.data?.next_cursor;
  return {
    ...state,
    older: next ? () => setSeen({ path, cursors: [...cursors, next] }) : undefined,
    newer: cursors.length > 0 ? () => setSeen({ path, cursors: cursors.slice(0, -1) }) : undefined,
  };
}

type Paged<T> = ReturnType<typeof usePagedList<T>>;

/** A paged list with its loading, problem and empty states. */
export function DataTable<T>({ list, caption, columns, rowKey, empty }: { list: Paged<T>; caption: string; columns: Column<T>[]; rowKey: (row: T) => string | number; empty: string }) {
  return (
    <Loaded state={list} empty={(p) => (p.data.length === 0 && !list.newer ? empty : null)}>
      {(p) => (
        <>
          <Table caption={caption} columns={columns} rows={p.data} rowKey={rowKey} />
          {(list.newer || list.older) && (
            <nav class="pager" aria-label={`${caption}: pages`}>
              <button type="button" class="secondary" disabled={!list.newer} onClick={list.newer}>
                Newer
              </button>
              <button type="button" class="secondary" disabled={!list.older} onClick={list.older}>
                Older
              </button>
            </nav>
          )}
        </>
      )}
    </Loaded>
  );
}
