import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Built by the root package.json (`npm run build`) into dist/dashboard, which the service serves at `/`
// (src/dashboard). No separate package or dev server is needed; `npm run dev:dashboard` proxies the API.
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    assetsDir: 'assets',
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:3000' },
  },
});
