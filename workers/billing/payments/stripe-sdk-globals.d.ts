/**
 * The `stripe` SDK's declarations reference @types/node (`/// <reference types="node" />`, even for its Workers
 * build), which makes `setTimeout` return `NodeJS.Timeout` beside workerd's `number`. Code written for workerd
 * clears its timers with `clearTimeout(timer ?? null)`; these overloads keep that valid with both declarations loaded.
 * The runtime is unchanged: workerd's clearTimeout takes either.
 */
declare global {
  function clearTimeout(timeoutId: NodeJS.Timeout | number | null | undefined): void;
  function clearInterval(timeoutId: NodeJS.Timeout | number | null | undefined): void;
}

export {};
