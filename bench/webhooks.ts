// `npm run bench:webhooks`: delivery received → execution queued, on the real control plane (wrangler dev, local D1
// and Durable Objects): N signed GitHub issues.labeled deliveries (each a distinct delivery id) timed from send to
// the 201 that says the execution is queued, beside the GET /api/v1/health round trip in the same run; prints p50
// and p99 of both and their ratio.
import { createHmac, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../scripts/wrangler';
import { startControlPlane } from '../tests/fixtures/control-plane';
import { percentile } from './proc-stats';

const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 100);

async function main() {
  const controlPlane = await startControlPlane();
  const { url, adminToken: token } = controlPlane;
  const call = (p: string, init: RequestInit = {}) =>
    fetch(`${url}${p}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
    });
  try {
    const rtt: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      await (await call('/api/v1/health')).arrayBuffer();
      rtt.push(performance.now() - t);
    }

    const payload = await readFile(
      path.join(REPO_ROOT, 'apps/control-plane/test/fixtures/github/issues-labeled.json'),
      'utf8',
    );
    const created = await call('/api/v1/webhooks', {
      method: 'POST',
      body: JSON.stringify({ name: 'bench', kind: 'github', rateLimitPerMinute: 10_000, rateLimitPerDay: 1_000_000 }),
    });
    if (created.status !== 201) throw new Error(`creating the webhook: ${created.status} ${await created.text()}`);
    const hook = (await created.json()) as { id: string; secret: string };
    const signature = `sha256=${createHmac('sha256', hook.secret).update(payload).digest('hex')}`;
    const took: number[] = [];
    for (let i = 0; i < DELIVERIES; i++) {
      const t = performance.now();
      const response = await fetch(`${url}/hooks/${hook.id}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'issues',
          'x-github-delivery': `bench-${i}-${randomBytes(4).toString('hex')}`,
          'x-hub-signature-256': signature,
        },
        body: payload,
      });
      const answer = (await response.json()) as { outcome?: string };
      took.push(performance.now() - t);
      if (response.status !== 201 || answer.outcome !== 'created')
        throw new Error(`delivery ${i}: ${response.status} ${JSON.stringify(answer)}`);
    }
    const p = (xs: number[], q: number) => percentile(xs, q / 100);
    const row = (name: string, xs: number[]) =>
      `${name.padEnd(34)} p50 ${p(xs, 50).toFixed(1)} ms  p99 ${p(xs, 99).toFixed(1)} ms`;
    console.log(row(`delivery → execution queued (n=${DELIVERIES})`, took));
    console.log(row(`GET /api/v1/health (n=${rtt.length})`, rtt));
    console.log(`ratio p50 ${(p(took, 50) / p(rtt, 50)).toFixed(1)}x  p99 ${(p(took, 99) / p(rtt, 99)).toFixed(1)}x`);
  } finally {
    await controlPlane.dispose();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
