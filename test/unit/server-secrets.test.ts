/** Password hashes and bearer tokens of the central server (no database involved). */
import { describe, expect, it } from 'vitest';
import { hashPassword, hashToken, newToken, tokenKind, verifyPassword } from '../../server/auth/secrets.js';

describe('server passwords', () => {
  it('hash with a fresh salt each time and verify only the right password', async () => {
    const [a, b] = [await hashPassword('s3cret password'), await hashPassword('s3cret password')];
    expect(a).not.toBe(b);
    expect(await verifyPassword('s3cret password', a)).toBe(true);
    expect(await verifyPassword('s3cret passwore', a)).toBe(false);
  });

  it('refuse a stored hash that is tampered with or not scrypt', async () => {
    const stored = await hashPassword('pw pw pw pw pw');
    const parts = stored.split('$');
    parts[5] = parts[5]!.slice(0, -4); // a shorter key: no timingSafeEqual on unequal lengths
    expect(await verifyPassword('pw pw pw pw pw', parts.join('$'))).toBe(false);
    expect(await verifyPassword('pw pw pw pw pw', 'bcrypt$whatever')).toBe(false);
  });
});

describe('server tokens', () => {
  it('are 256 random bits with a prefix naming their kind, stored as a hash', () => {
    const session = newToken('session');
    expect(session).toMatch(/^bls_[A-Za-z0-9_-]{43}$/);
    expect(tokenKind(session)).toBe('session');
    expect(tokenKind(newToken('bench'))).toBe('bench');
    expect(tokenKind(newToken('enrollment'))).toBe('enrollment');
    expect(tokenKind('nonsense')).toBeUndefined();
    expect(newToken('session')).not.toBe(session);
    expect(hashToken(session)).not.toContain(session.slice(4));
    expect(hashToken(session)).toBe(hashToken(session));
  });
});
