/**
 * Runs Debian's real libimobiledevice tools against a simulator, for tests
 * and benchmarks: the tool gets the simulator's socket through
 * USBMUXD_SOCKET_ADDRESS, exactly as libusbmuxd reads it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

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

/**
 * Starts a long-running command (the simulator, `benchline serve`) and waits
 * for the stdout line that says it is up; resolves with the child and that
 * line's match. Fails if the command exits first or says nothing in time.
 */
export function startUntilLine(
  command: string,
  args: readonly string[],
  options: { match: RegExp; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const name = path.basename(args[0] ?? command);
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'inherit'] });
    const timeoutMs = options.timeoutMs ?? 30_000;
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`${name} printed nothing matching ${options.match} within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was up`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = options.match.exec(line);
      if (!match) return;
      clearTimeout(timer);
      resolve({ child, match });
    });
  });
}

/** The simulator's `{"ready": true, …}` line. */
export const READY_LINE = /^\{.*"ready".*\}$/;
