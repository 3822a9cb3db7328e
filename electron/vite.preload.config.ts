/**
 * Bundles the preload into one CommonJS file: a sandboxed preload can
 * require('electron') and nothing else, so its imports are inlined here.
 */
import path from 'node:path';
import { defineConfig } from 'vite';

const root = path.resolve(import.meta.dirname, '..');

export default defineConfig({
  root,
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: path.join(root, 'dist', 'electron'),
    emptyOutDir: false,
    minify: false,
    sourcemap: true,
    lib: { entry: path.join(root, 'electron', 'preload.ts'), formats: ['cjs'], fileName: () => 'preload.cjs' },
    rollupOptions: { external: ['electron'] },
  },
});
