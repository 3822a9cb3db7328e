// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';

/** Imports a layer must never make, enforced per directory (see docs/architecture.md). */
const electronAndDom = [
  { name: 'electron', message: 'core/ never imports electron: put it in electron/.' },
  { name: 'react', message: 'core/ is UI-free: put React code in renderer/.' },
  { name: 'react-dom', message: 'core/ is UI-free: put React code in renderer/.' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The domain core: plain Node. It reaches devices only through the ports it defines.
    files: ['core/**/*.ts'],
    ignores: ['core/cli/**', 'core/host/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: electronAndDom,
        patterns: [
          { group: ['**/native/**', '**/sim/**'], message: 'core/ talks to devices through its own ports (core/devices/ports.ts); only composition roots (core/cli, core/host) wire native/ in.' },
          { group: ['**/renderer/**', '**/electron/**', '**/server/**'], message: 'core/ must not depend on outer layers.' },
        ],
      }],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator'],
    },
  },
  {
    // Composition roots may wire native/ and sim/ in, but still never electron or the DOM.
    files: ['core/cli/**/*.ts', 'core/host/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: electronAndDom, patterns: [{ group: ['**/renderer/**', '**/electron/**', '**/server/**'], message: 'core/ must not depend on outer layers (the central server is reached over HTTP).' }] }],
    },
  },
  {
    // Standalone mode: the bench runs the embedded central server in-process. This file is the
    // only one in core/ that may reach server/, and only its embedded entry point.
    files: ['core/host/standalone-server.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: electronAndDom, patterns: [{ group: ['**/renderer/**', '**/electron/**', '**/server/**', '!**/server/embedded.js'], message: 'Only server/embedded.js is for the bench (standalone mode).' }] }],
    },
  },
  {
    // native/ implements core's ports; it never reaches up into UI layers or the simulator.
    files: ['native/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: electronAndDom, patterns: [{ group: ['**/renderer/**', '**/electron/**', '**/sim/**', '**/core/cli/**', '**/core/host/**'], message: 'native/ implements core ports and must not import outer layers or the simulator.' }] }],
    },
  },
  {
    // The central server: plain Node over its own database. It shares no code path with the bench's UI or host.
    files: ['server/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          { name: 'electron', message: 'server/ never imports electron.' },
          { name: 'react', message: 'server/ is UI-free.' },
          { name: 'react-dom', message: 'server/ is UI-free.' },
        ],
        patterns: [
          { group: ['**/renderer/**', '**/electron/**'], message: 'server/ must not depend on the bench UI.' },
          { group: ['**/core/host', '**/core/host/**'], message: 'server/ must not depend on the bench host (core/host); share types through core/contract.' },
        ],
      }],
    },
  },
  {
    // Raw IPC stays behind the typed wrappers that check sender and arguments (electron/main/ipc.ts);
    // the composition root hands ipcMain to them, and only the preload talks ipcRenderer.
    files: ['electron/**/*.ts'],
    ignores: ['electron/main/ipc.ts', 'electron/main/index.ts', 'electron/preload.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', importNames: ['ipcMain', 'ipcRenderer'], message: 'Use the typed IPC wrappers in electron/main/ipc.ts (they validate the sender and the arguments).' }] }],
    },
  },
  {
    // The renderer sees the bench only through the contract.
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs['recommended-latest'].rules,
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/core/**', '!**/core/contract', '!**/core/contract/**'], message: 'renderer/ imports only core/contract.' },
        { group: ['**/native/**', '**/sim/**', '**/server/**', '**/electron/**', 'node:*'], message: 'renderer/ imports only core/contract.' },
      ] }],
    },
  },
);
