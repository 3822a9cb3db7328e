/** Shapes several route modules share. */
import { z } from 'zod';
import { ROLES } from '../auth/access.js';
import { errorBody } from '../errors.js';

export const role = z.enum(ROLES);
export const user = z.object({ id: z.uuid(), email: z.string(), role, createdAt: z.date() });
export const bench = z.object({ id: z.uuid(), name: z.string(), createdAt: z.date(), enrolledAt: z.date().nullable(), revokedAt: z.date().nullable() });
/** The errors any route with credentials may answer, so the OpenAPI document lists them. */
export const authErrors = { 401: errorBody, 403: errorBody } as const;
