/**
 * Records a ledger history against a running service (the shared part is recording.ts): fresh
 * raffles, created without being recorded so that each starts empty, then clients running the
 * ledger workload (ledger-workload.ts), each remembering the cursor of the listing walk it is on.
 */
import { httpCallFor } from '../runner/surfaces.js';
import { performLedgerCall } from './ledger-client.js';
import { LedgerClientWorkload, type LedgerWorkloadOptions } from './ledger-workload.js';
import { recordKindHistory, type RecordingOptions, type RecordingResult } from './recording.js';
import type { Transport } from './transport.js';

export interface RecordLedgerOptions extends RecordingOptions {
  workload?: LedgerWorkloadOptions;
}

export type RecordLedgerResult = RecordingResult;

/** Creates a raffle through the transport (not recorded: the history starts with it empty). */
async function createRaffle(transport: Transport, name: string): Promise<string> {
  const answer = await transport({
    op: -1,
    client: -1,
    call: httpCallFor('rest', 'createRaffle', { name }),
  });
  const body = JSON.parse(answer.body) as { id?: unknown };
  if (answer.status !== 201 || typeof body.id !== 'string') {
    throw new Error(`could not create a raffle: ${answer.status} ${answer.body.slice(0, 200)}`);
  }
  return body.id;
}

export function recordLedgerHistory(options: RecordLedgerOptions): Promise<RecordLedgerResult> {
  return recordKindHistory(options, async ({ transport, recorder, seed }) => {
    const raffles: string[] = [];
    for (let i = 0; i < (options.raffles ?? 1); i += 1) {
      raffles.push(await createRaffle(transport, `history ${seed} #${i}`));
    }
    return {
      raffles,
      client(client, surface, clientSeed) {
        const workload = new LedgerClientWorkload(raffles, clientSeed, options.workload);
        let lastNextCursor: string | null | undefined;
        return async () => {
          const call = workload.next(lastNextCursor);
          const outcome = await performLedgerCall(recorder, transport, client, surface, call);
          lastNextCursor =
            call.f === 'listParticipants' && outcome.type === 'ok'
              ? (outcome.value.nextCursor as string | null)
              : undefined;
          return { f: call.f, outcome };
        };
      },
    };
  });
}
