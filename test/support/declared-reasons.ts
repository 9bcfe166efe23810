/**
 * Set up before every test file: after the file, no procedure may have answered a refusal its
 * declaration (`meta.refuses` and what follows from the procedure, `src/api/operation-reasons.ts`)
 * does not list. The whole suite so checks the OpenAPI document's reason lists against what the
 * procedures really answered, in every in-process server a test starts.
 */
import { afterAll, expect } from 'vitest';
import { undeclaredRefusals } from '../../src/api/operation-reasons.js';

afterAll(() => {
  expect([...undeclaredRefusals], 'refusals the procedures do not declare').toEqual([]);
});
