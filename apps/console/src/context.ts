import { type Me } from './api.js';

/** Where the gateway serves the console. */
export const BASE = '/console';

export interface PageContext {
  me: Me;
  key: string;
  /** Aborted when the user leaves the page: streams and timers stop with it. */
  signal: AbortSignal;
  navigate: (path: string) => void;
  search: URLSearchParams;
}
