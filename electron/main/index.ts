/** Electron main entry: the composition root, handing Electron's own modules to the app. */
import path from 'node:path';
import { app, BrowserWindow, ipcMain, MessageChannelMain, session, utilityProcess } from 'electron';
import { startBenchlineApp } from './app.js';

startBenchlineApp(
  { app, BrowserWindow, ipcMain, MessageChannelMain, session, utilityProcess },
  // Built to dist/electron/main/index.js: dist/ is two levels up.
  { argv: process.argv, env: process.env, distDir: path.resolve(import.meta.dirname, '../..') },
).catch((error: unknown) => {
  process.stderr.write(`benchline: the app could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  app.quit();
});
