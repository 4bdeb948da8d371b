/** What every route gets: the open Holocron, and the server's own parts. */
import type { Holocron } from '../holocron.ts';
import type { Access } from './request-auth.ts';

export interface ServerEnv {
  Variables: { access: Access };
}

export interface RouteContext {
  holocron: Holocron;
  /** The server's version (package.json). */
  version: string;
}

/** A list page: the read models of the CLI's `--json`, and where the next page starts (`?cursor=`). */
export interface ListPage<T> {
  items: T[];
  nextCursor: string | null;
}
