/** Every error the API answers with: a code scripts can test, a message, and what to do about it. */
import { z } from 'zod';

export const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), hint: z.string() }),
});
export type ErrorBody = z.infer<typeof errorBody>;

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  body(): ErrorBody {
    return { error: { code: this.code, message: this.message, hint: this.hint } };
  }
}

export const unauthenticated = (message = 'This endpoint needs credentials.'): ApiError =>
  new ApiError(
    401,
    'unauthenticated',
    message,
    'Log in with POST /auth/login {"email", "password"} and send the token as "Authorization: Bearer <token>"; a bench sends the token it got from POST /benches/enroll.',
  );
