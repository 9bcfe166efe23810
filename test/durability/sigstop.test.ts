/**
 * The built service (`dist/`, as `npm start` runs it) frozen with SIGSTOP in the middle of a load
 * of 64 clients, and thawed with SIGCONT: a pause such as a VM migration, a swap storm or a long
 * garbage collection produces.
 *
 * While it is frozen the clients' requests wait in the kernel; after SIGCONT every one of them is
 * answered (none left unknown, none answered 5xx) and the history of the whole run — before,
 * across and after the pause — is linearizable and conserves tickets, on the journal. That the
 * process really was stopped is read from /proc, not from how long anything took.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkConservation } from '../../load/history/conservation.js';
import { pairOperations } from '../../load/history/events.js';
import { conservationLaws } from '../../load/history/laws.js';
import { checkLinearizability } from '../../load/history/linearizability.js';
import { recordLedgerHistory } from '../../load/history/record-ledger.js';
import { HistoryRecorder } from '../../load/history/recorder.js';
import { httpTransport } from '../../load/history/transport.js';
import { startServerProcess } from '../../load/runner/server-process.js';

/** The process state letter of /proc/<pid>/stat: T when stopped by a signal. */
function processState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] as string;
}

describe('SIGSTOP and SIGCONT under load', () => {
  it('every request is answered after SIGCONT, and the history is linearizable and conserved', async () => {
    const service = await startServerProcess({ env: { DURABILITY: 'fsync', DATA_DIR: './data' } });
    const http = httpTransport({ baseUrl: service.url, timeoutMs: 60_000 });
    try {
      await http.warmUp(64);
      const states: string[] = [];
      let paused = false;
      const recorder = new HistoryRecorder({
        sinks: [
          (event) => {
            // A third of the way in, freeze the service for a while, from outside the event loop
            // of the clients' answers.
            if (paused || event.type !== 'invoke' || event.op !== 500) return;
            paused = true;
            service.kill('SIGSTOP');
            // The signal is delivered asynchronously: look until the kernel reports it stopped.
            const look = (): void => {
              const state = processState(service.pid);
              if (state !== 'T') return void setTimeout(look, 10);
              states.push(state);
              setTimeout(() => {
                states.push(processState(service.pid));
                service.kill('SIGCONT');
              }, 1_000);
            };
            look();
          },
        ],
      });
      const recorded = await recordLedgerHistory({
        transport: http.send,
        clients: 64,
        operations: 1_500,
        seed: 14_05,
        recorder,
      });
      expect(states).toEqual(['T', 'T']);
      const operations = pairOperations(recorded.recorder.events);
      expect(operations).toHaveLength(1_500);
      const unanswered = operations.filter(
        (op) => op.completion === 'info' || (op.output.status as number) >= 500,
      );
      expect(unanswered).toEqual([]);
      expect(checkLinearizability(operations).valid).toBe(true);
      expect(checkConservation(recorded.recorder.events, conservationLaws).valid).toBe(true);
      expect(processState(service.pid)).not.toBe('T');
    } finally {
      http.close();
      service.kill('SIGCONT');
      await service.stop();
    }
  }, 120_000);
});
