import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The app is built from the client package's sources (web/client/src); aws-amplify and React resolve from
// this folder only (one Amplify instance: its configuration is a singleton).
export default defineConfig({
  base: '/app/',
  plugins: [react()],
  resolve: {
    alias: { '@appsyncchat/client': fileURLToPath(new URL('../client/src/index.ts', import.meta.url)) },
    dedupe: ['aws-amplify', '@aws-amplify/core', '@aws-amplify/api', '@aws-amplify/api-graphql', 'react', 'react-dom'],
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1000 },
});
