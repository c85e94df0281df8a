// The `workers` test project: control-plane tests inside the Workers runtime, against the real D1 migrations.
import { fileURLToPath } from 'node:url';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineProject } from 'vitest/config';

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

export default defineProject(async () => ({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: here('../../wrangler.toml') },
      miniflare: {
        bindings: {
          // Read here in Node, applied in test/setup.ts inside the runtime.
          TEST_MIGRATIONS: await readD1Migrations(here('../../migrations')),
          // Tests authenticate with this, as an operator would with the variable set.
          CLAUDEOPS_ADMIN_TOKEN: 'coa_workers-test-admin-token',
          CLAUDEOPS_DASHBOARD_ORIGINS: 'http://localhost:5173, https://dash.example.com',
          // Cloudflare Access on, as behind a team's Access application; its keys come from test/access-support.ts.
          CLAUDEOPS_ACCESS_TEAM_DOMAIN: 'https://claudeops-test.cloudflareaccess.com/',
          CLAUDEOPS_ACCESS_AUD: 'workers-test-access-aud',
          // Every test file shares the admin token's bucket, and the fuzzers alone send thousands of requests a minute;
          // the rate-limit tests set their own limits.
          CLAUDEOPS_RATE_LIMIT_HTTP: '1000000/60',
        },
      },
    }),
  ],
  test: {
    name: 'workers',
    root: here('.'),
    include: ['test/**/*.test.ts'],
    setupFiles: ['./test/setup.ts'],
    // Upper bounds, not timing assertions: CI machines have 2 cores.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
}));
