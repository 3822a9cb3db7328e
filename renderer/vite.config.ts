/**
 * Builds the renderer into dist/renderer with relative asset paths, so the
 * same files load from Electron (file://) and from `benchline serve` (HTTP).
 * JSX goes through Vite's own esbuild (no React plugin: no Fast Refresh, a
 * full reload in development instead).
 */
import { defineConfig } from 'vite';

const root = import.meta.dirname;

export default defineConfig({
  root,
  base: './',
  esbuild: { jsx: 'automatic' },
  plugins: [
    {
      // The dev server injects CSS as <style> elements, which index.html's CSP (style-src 'self')
      // rightly refuses; in development only, the page is served without that meta tag.
      name: 'benchline-dev-without-csp-meta',
      apply: 'serve',
      transformIndexHtml: (html) => html.replace(/<meta\s+http-equiv="Content-Security-Policy"[\s\S]*?\/>/, ''),
    },
  ],
  build: {
    outDir: `${root}/../dist/renderer`,
    emptyOutDir: true,
    // Electron 41 and current Chromium: no need to down-level for old browsers.
    target: 'es2022',
    sourcemap: true,
    rollupOptions: {
      onwarn(warning, warn) {
        // Libraries' "use client" directives and misplaced /*#__PURE__*/ comments are harmless noise in a client-only bundle.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE' || warning.code === 'INVALID_ANNOTATION') return;
        warn(warning);
      },
    },
  },
  server: {
    // `vite` (dev): forward the API to a running `benchline serve` (BENCHLINE_API=http://127.0.0.1:PORT).
    proxy: process.env['BENCHLINE_API'] ? { '/api': { target: process.env['BENCHLINE_API'], ws: true } } : {},
  },
  preview: {
    // Preview under the production policy, so a violation shows up before it reaches Electron.
    headers: { 'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'" },
  },
});
