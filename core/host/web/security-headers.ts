/**
 * Response headers for everything the host serves to a browser, and the CSP
 * the Electron window uses too. No inline scripts or styles anywhere: the
 * renderer is built into files, so an injected <script> cannot run.
 */

export interface CspOptions {
  /** Extra sources for connect-src beyond 'self' (e.g. "ws:" "wss:" for the API socket). */
  connect?: readonly string[];
}

export function contentSecurityPolicy(options: CspOptions = {}): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${["'self'", ...(options.connect ?? [])].join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * `connect-src 'self' ws: wss:` because browsers disagree on whether 'self' covers the
 * ws: scheme of the same host; the API socket is the only thing the page connects to.
 */
export const SERVE_CSP = contentSecurityPolicy({ connect: ['ws:', 'wss:'] });

export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': SERVE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // Legacy twin of frame-ancestors 'none' for browsers that predate it.
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=()',
});
