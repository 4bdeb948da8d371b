/**
 * Starts the HTTP API (and the dashboard) on a host and port, safe by default: it binds to 127.0.0.1
 * unless told otherwise, and refuses any other address without a token (HOLOCRON_API_TOKEN).
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Holocron } from '../holocron.ts';
import { createServerApp } from './create-server-app.ts';
import { createLiveEvents } from './live-events.ts';
import type { ServerAuth } from './request-auth.ts';

export const defaultHost = '127.0.0.1';
export const defaultPort = 8080;

export class ServeRefusedError extends Error {
  override readonly name = 'ServeRefusedError';
}

export interface StartServerOptions {
  holocron: Holocron;
  host?: string;
  /** 0: any free port (see `url`). */
  port?: number;
  auth?: ServerAuth;
  dashboard?: Hono;
  version?: string;
  logError?: (error: unknown) => void;
}

export interface RunningServer {
  /** `http://host:port`, with the port actually bound. */
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

/** 127.0.0.0/8, ::1 and `localhost`: only this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare) || bare === '::ffff:127.0.0.1';
}

/** The refusal, if any, for serving on this host with this auth (before anything is opened or bound). */
export function checkServeSafety(host: string, auth: ServerAuth): void {
  if (auth.token !== undefined && auth.token.length < 16) {
    throw new ServeRefusedError('HOLOCRON_API_TOKEN is too short: use at least 16 characters (e.g. `openssl rand -hex 24`).');
  }
  if (auth.readToken !== undefined && auth.token === undefined) {
    throw new ServeRefusedError('HOLOCRON_API_READ_TOKEN is set without HOLOCRON_API_TOKEN: set both (the read token can only look).');
  }
  if (auth.readToken !== undefined && auth.readToken === auth.token) {
    throw new ServeRefusedError('HOLOCRON_API_READ_TOKEN must differ from HOLOCRON_API_TOKEN.');
  }
  if (!isLoopbackHost(host) && auth.token === undefined) {
    throw new ServeRefusedError(
      `Refusing to serve on ${host} without a token: anyone who can reach it could act on the queue. ` +
        'Set HOLOCRON_API_TOKEN (and HOLOCRON_API_READ_TOKEN for read-only access), or serve on 127.0.0.1.',
    );
  }
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const host = options.host ?? defaultHost;
  const auth = options.auth ?? {};
  checkServeSafety(host, auth);
  const live = createLiveEvents(options.holocron, { onError: options.logError });
  const app = createServerApp({ holocron: options.holocron, auth, dashboard: options.dashboard, version: options.version, logError: options.logError, live });
  const server: ServerType = await new Promise((resolve, reject) => {
    const started = serve({ fetch: app.fetch, hostname: host, port: options.port ?? defaultPort }, () => resolve(started));
    started.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    host: address.address,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        live.close();
        // Open event streams would hold the server open: end every connection.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
