/**
 * Runs Debian's real libimobiledevice tools against a simulator, for tests
 * and benchmarks: the tool gets the simulator's socket through
 * USBMUXD_SOCKET_ADDRESS, exactly as libusbmuxd reads it.
 */
import { spawn } from 'node:child_process';

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runTool(tool: string, args: readonly string[], muxAddress: string, timeoutMs = 30_000): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { env: { ...process.env, USBMUXD_SOCKET_ADDRESS: muxAddress }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** `Key: value` lines as ideviceinfo prints them. */
export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z0-9]+): (.*)$/.exec(line);
    if (match) out[match[1]!] = match[2]!;
  }
  return out;
}
