/**
 * Types of `workload.js`, the workload shared by the k6 scripts and the Node runner.
 */
export type OperationName =
  'issue' | 'transfer' | 'draw' | 'listParticipants' | 'getParticipant' | 'getRaffle';

export declare const operationMix: Readonly<Record<OperationName, number>>;
export declare const usernamePoolSize: number;
export declare const issueCountMax: number;
export declare const transferCountMax: number;
export declare const listPageLimit: number;
export declare const expectedRefusals: Readonly<Record<OperationName, readonly string[]>>;
export declare const successStatus: Readonly<Record<OperationName, number>>;
export declare function randomInt(min: number, max: number): number;
export declare function randomUsername(): string;
export declare function randomPair(): { from: string; to: string };
