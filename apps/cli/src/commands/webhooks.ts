// `claudeops webhooks`: list webhook endpoints, add one (its endpoint and secret printed once), remove one, list a
// webhook's deliveries and redeliver one, through /api/v1/webhooks. Registered by main.ts.
import type { Command } from 'commander';
import type { Webhook, WebhookDelivery, DeliveryResult } from '@claudeops/control-plane/protocol';
import { body } from '../api';
import type { Context } from '../context';
import { EXIT } from '../exit-codes';
import { parsePositiveInt, usage } from '../requests';
import { ago, clipText, table } from '../table';

/** `act` wraps a handler so that its resolved number becomes the exit code. */
export type Act = <A extends unknown[]>(handler: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

const KINDS = ['github', 'jira', 'sentry', 'generic'];

/** The POST /api/v1/webhooks body for `webhooks add`. */
export function webhookBody(
  name: string,
  flags: { kind?: string; perMinute?: string; perDay?: string; disabled?: boolean; repo?: string; ref?: string },
): Record<string, unknown> {
  const kind = flags.kind ?? 'github';
  if (!KINDS.includes(kind)) throw usage(`--kind ${kind}: one of ${KINDS.join(', ')}`);
  return {
    name,
    kind,
    ...(flags.perMinute === undefined ? {} : { rateLimitPerMinute: parsePositiveInt('--per-minute', flags.perMinute) }),
    ...(flags.perDay === undefined ? {} : { rateLimitPerDay: parsePositiveInt('--per-day', flags.perDay) }),
    ...(flags.disabled ? { enabled: false } : {}),
    ...(flags.repo === undefined ? {} : { repo: flags.repo }),
    ...(flags.ref === undefined ? {} : { ref: flags.ref }),
  };
}

async function listCommand(context: Context, flags: { json?: boolean }): Promise<number> {
  const client = await context.client();
  const page = await body<{ items: Webhook[] }>(client.GET('/api/v1/webhooks'));
  if (flags.json) return (context.output.json(page), EXIT.ok);
  if (page.items.length === 0) {
    context.output.note('no webhooks yet: claudeops webhooks add NAME --kind github');
    return EXIT.ok;
  }
  const rows = page.items.map((w) => [
    w.name,
    w.kind,
    w.enabled ? w.endpoint : `${w.endpoint} (disabled)`,
    `${w.usage.lastMinute}/${w.rateLimitPerMinute} min, ${w.usage.lastDay}/${w.rateLimitPerDay} day`,
    w.lastDeliveryAt === null ? '-' : ago(w.lastDeliveryAt),
  ]);
  for (const line of table(['NAME', 'KIND', 'ENDPOINT', 'USAGE', 'LAST'], rows)) context.output.data(line);
  return EXIT.ok;
}

async function addCommand(
  context: Context,
  name: string,
  flags: Parameters<typeof webhookBody>[1] & { json?: boolean },
) {
  const request = webhookBody(name, flags);
  const client = await context.client();
  const created = await body<Webhook>(client.POST('/api/v1/webhooks', { body: request as never }));
  if (flags.json) return (context.output.json(created), EXIT.ok);
  context.output.data(`endpoint ${created.endpoint}`);
  context.output.data(`secret   ${created.secret ?? ''}`);
  context.output.note('the secret is shown this once: put it in the sender’s webhook settings now');
  return EXIT.ok;
}

async function rmCommand(context: Context, id: string): Promise<number> {
  const client = await context.client();
  await body(client.DELETE('/api/v1/webhooks/{id}', { params: { path: { id } } }));
  context.output.note(`removed webhook ${id}`);
  return EXIT.ok;
}

async function deliveriesCommand(context: Context, id: string, flags: { limit?: string; json?: boolean }) {
  const limit = flags.limit === undefined ? 50 : parsePositiveInt('--limit', flags.limit);
  const client = await context.client();
  const page = await body<{ items: WebhookDelivery[] }>(
    client.GET('/api/v1/webhooks/{id}/deliveries', { params: { path: { id }, query: { limit } } }),
  );
  if (flags.json) return (context.output.json(page), EXIT.ok);
  if (page.items.length === 0) return (context.output.note(`no deliveries to ${id} yet`), EXIT.ok);
  const rows = page.items.map((d) => [
    d.id,
    ago(d.receivedAt),
    `${d.event ?? '-'}${d.action === null ? '' : `.${d.action}`}`,
    d.outcome,
    d.executionId ?? '-',
    clipText(d.reason ?? '', 60),
  ]);
  for (const line of table(['DELIVERY', 'RECEIVED', 'EVENT', 'OUTCOME', 'EXECUTION', 'REASON'], rows))
    context.output.data(line);
  return EXIT.ok;
}

async function redeliverCommand(context: Context, id: string, deliveryId: string, flags: { json?: boolean }) {
  const client = await context.client();
  const result = await body<DeliveryResult>(
    client.POST('/api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver', { params: { path: { id, deliveryId } } }),
  );
  if (flags.json) return (context.output.json(result), EXIT.ok);
  context.output.data(`${result.deliveryId} ${result.outcome} ${result.executionId ?? result.reason ?? ''}`.trim());
  return EXIT.ok;
}

export function registerWebhookCommands(program: Command, context: Context, act: Act): void {
  const webhooks = program
    .command('webhooks')
    .enablePositionalOptions()
    .description('List webhook endpoints; add, rm, deliveries and redeliver below.')
    .option('--json', 'print JSON')
    .action(act((flags: { json?: boolean }) => listCommand(context, flags)));
  webhooks
    .command('add')
    .description('Create a webhook endpoint; prints its endpoint and its secret (shown once).')
    .argument('<name>', 'a name')
    .option('--kind <kind>', 'github (default), jira, sentry or generic')
    .option('--per-minute <n>', 'deliveries a minute (default 60)')
    .option('--per-day <n>', 'deliveries a day (default 1000)')
    .option('--disabled', 'create it disabled')
    .option('--repo <url>', 'the repository its runs work on (Sentry and Jira payloads name none): $webhook.repo')
    .option('--ref <ref>', 'the base ref for those runs: $webhook.ref')
    .option('--json', 'print JSON')
    .action(act((name: string, flags: Parameters<typeof addCommand>[2]) => addCommand(context, name, flags)));
  webhooks
    .command('rm')
    .description('Delete a webhook and its deliveries.')
    .argument('<id>', 'its wh_ id or name')
    .action(act((id: string) => rmCommand(context, id)));
  webhooks
    .command('deliveries')
    .description('A webhook’s deliveries, newest first, with outcome and execution.')
    .argument('<id>', 'its wh_ id or name')
    .option('--limit <n>', 'how many (default 50)')
    .option('--json', 'print JSON')
    .action(act((id: string, flags: { limit?: string; json?: boolean }) => deliveriesCommand(context, id, flags)));
  webhooks
    .command('redeliver')
    .description('Run a stored delivery through the rules again (a new delivery).')
    .argument('<id>', 'its wh_ id or name')
    .argument('<deliveryId>', 'the delivery (its whd_ id or the sender’s delivery id)')
    .option('--json', 'print JSON')
    .action(
      act((id: string, deliveryId: string, flags: { json?: boolean }) =>
        redeliverCommand(context, id, deliveryId, flags),
      ),
    );
}
