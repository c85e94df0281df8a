import { defineConfig } from 'vitest/config';
export default defineConfig({ test: { root: '/work/main', environment: 'node', include: ['apps/control-plane/src/**/*.test.ts'] } });
