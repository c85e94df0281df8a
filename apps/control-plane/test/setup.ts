// Runs before every workers test file: applies the real D1 migrations (idempotent, so reruns are harmless).
import { applyD1Migrations, type D1Migration } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- augments the namespace `wrangler types` declares
  namespace Cloudflare {
    interface Env {
      /** Bound in apps/control-plane/vitest.config.ts from migrations/. */
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
