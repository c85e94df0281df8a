// `npm run bench:schedules`: schedule due → execution queued, measured on the real control plane (`wrangler dev
// --test-scheduled`, local D1 and Durable Objects): N schedules due every minute, fired for ~3 minutes by the
// Scheduler's alarm and by the Worker's real cron handler (GET /__scheduled each minute, as Cloudflare's Cron Trigger
// calls it); prints p50/p99/max lateness (execution createdAt − due minute) beside one HTTP round trip, and whether
// the target (p99 ≤ 60 s) holds.
import { startControlPlane } from '../tests/fixtures/control-plane';
import { percentile } from './proc-stats';

const SCHEDULES = Number(process.env.BENCH_SCHEDULES ?? 20);
const MINUTES = Number(process.env.BENCH_MINUTES ?? 3);

async function main() {
  const controlPlane = await startControlPlane({ testScheduled: true });
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

    const ids: string[] = [];
    for (let i = 0; i < SCHEDULES; i++) {
      const body = {
        name: `bench-${i}`,
        cron: '* * * * *',
        prompt: `bench ${i}`,
        labels: ['bench-no-runner'],
        overlap: 'queue',
      };
      const res = await call('/api/v1/schedules', { method: 'POST', body: JSON.stringify(body) });
      if (res.status !== 201) throw new Error(`create schedule: ${res.status} ${await res.text()}`);
      ids.push(((await res.json()) as { id: string }).id);
    }
    const start = Date.now();
    const end = start + MINUTES * 60_000 + 5_000;
    // The Cron Trigger: once each minute, a few hundred ms after the boundary (as Cloudflare delivers it).
    let crons = 0;
    while (Date.now() < end) {
      const next = Math.ceil((Date.now() + 1) / 60_000) * 60_000 + 300;
      if (next > end) break;
      await new Promise((resolve) => setTimeout(resolve, next - Date.now()));
      await (await fetch(`${url}/__scheduled?cron=*+*+*+*+*`)).arrayBuffer();
      crons++;
    }
    for (const id of ids) {
      await call(`/api/v1/schedules/${id}`, { method: 'PATCH', body: JSON.stringify({ enabled: false }) });
    }

    const lateness: number[] = [];
    let runs = 0;
    let skipped = 0;
    for (const id of ids) {
      const page = (await (await call(`/api/v1/schedules/${id}/runs?limit=200`)).json()) as {
        items: { dueAt: string; outcome: string; executionId: string | null }[];
      };
      for (const run of page.items) {
        runs++;
        if (run.executionId === null) {
          skipped++;
          continue;
        }
        const ex = (await (await call(`/api/v1/executions/${run.executionId}`)).json()) as { createdAt: string };
        lateness.push(Date.parse(ex.createdAt) - Date.parse(run.dueAt));
      }
    }
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const p99 = percentile(lateness, 0.99);
    console.log(
      `bench:schedules — ${SCHEDULES} schedules due every minute, ${MINUTES} min, ${crons} cron ticks + the alarm`,
    );
    console.log(`  runs recorded ${runs}, executions ${lateness.length}, skipped/failed ${skipped}`);
    console.log(
      `  due → queued lateness   p50 ${s(percentile(lateness, 0.5))}  p99 ${s(p99)}  max ${s(Math.max(...lateness))}`,
    );
    console.log(
      `  HTTP round trip (50)    p50 ${percentile(rtt, 0.5).toFixed(1)} ms  p99 ${percentile(rtt, 0.99).toFixed(1)} ms`,
    );
    console.log(
      `  ratio (p50)             ${(percentile(lateness, 0.5) / percentile(rtt, 0.5)).toFixed(1)}x round trips`,
    );
    console.log(`  target p99 ≤ 60 s       ${p99 <= 60_000 ? 'holds' : 'MISSED'}`);
  } finally {
    await controlPlane.dispose();
  }
}

await main();
