/** Enrolled benches for the sync and lease tests: an admin's code exchanged for a bench token. */
import { expect } from 'vitest';
import type { ZodApp } from '../../../server/routes/types.js';

export interface TestBench {
  readonly id: string;
  readonly name: string;
  readonly headers: { authorization: string };
}

export async function enrollBench(app: ZodApp, admin: { authorization: string }, name: string): Promise<TestBench> {
  const code = await app.inject({ method: 'POST', url: '/benches/enrollment-codes', headers: admin, payload: { benchName: name } });
  expect(code.statusCode, code.body).toBe(201);
  const enrolled = await app.inject({ method: 'POST', url: '/benches/enroll', headers: { authorization: `Bearer ${code.json<{ code: string }>().code}` } });
  expect(enrolled.statusCode, enrolled.body).toBe(201);
  const { token, bench } = enrolled.json<{ token: string; bench: { id: string; name: string } }>();
  return { id: bench.id, name: bench.name, headers: { authorization: `Bearer ${token}` } };
}
