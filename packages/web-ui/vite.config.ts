import { defineConfig } from 'vite'

export default defineConfig({
  // The daemon serves index.html at /app and /app/* and the bundle at /assets/*: asset URLs
  // must be absolute, or a deep link like /app/peers would ask for /app/assets/… and get HTML.
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true
  }
})
