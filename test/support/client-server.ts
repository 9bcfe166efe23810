/**
 * The typed-client suites' shared set-up: one real service per test file on loopback (so the
 * client is an operator) and a client pointed at it, started before the file's tests and closed
 * after them, plus the reason a refused call carries. The getters exist because vitest runs
 * `beforeAll` after the file's top level has read its variables.
 */
import { afterAll, beforeAll } from 'vitest';
import {
  createRaffleClient,
  reasonOf,
  type RaffleClient,
  type Reason,
} from '../../client/src/index.js';
import type { RunningServer } from '../../src/server/server.js';
import { startTestServer } from './server.js';

export interface ClientServer {
  readonly server: RunningServer;
  readonly client: RaffleClient;
}

/** Starts a service and a client for the calling test file. */
export function useClientServer(): ClientServer {
  let server: RunningServer | undefined;
  let client: RaffleClient | undefined;
  beforeAll(async () => {
    server = await startTestServer();
    client = createRaffleClient({ url: server.url });
  });
  afterAll(async () => {
    await server?.close();
  });
  return {
    get server() {
      if (server === undefined) throw new Error('the service starts in beforeAll');
      return server;
    },
    get client() {
      if (client === undefined) throw new Error('the client starts in beforeAll');
      return client;
    },
  };
}

/** The reason a call was refused with, or undefined when it succeeded. */
export function reasonOfCall(call: Promise<unknown>): Promise<Reason | undefined> {
  return call.then(
    () => undefined,
    (error: unknown) => reasonOf(error),
  );
}
