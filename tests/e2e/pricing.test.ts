// End to end for pricing: the real Claude Code CLI, started by the runner's startAgent, against the scripted Anthropic
// API, for several models: the price table applied to the runner's usage events adds up to Claude Code's own
// total_cost_usd, for both cache lifetimes, long context, web search and US-only inference.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_DATA, type EventData, type EventDraft } from '@claudeops/control-plane/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLAUDE_CODE_DEFAULT_MODEL, priceUsage } from '../../apps/control-plane/src/domain/pricing';
import { type AgentHandle, startAgent } from '../../apps/runner/src/agent/agent';
import { DEFAULT_USAGE, type Script } from '../fixtures/anthropic-scripts';
import { type ScriptedAnthropic, startScriptedAnthropic } from '../fixtures/scripted-anthropic';

/** Two calls, each over Haiku 5.5's 100k-token long-context threshold, with both cache lifetimes. */
const longContext: Script = ({ turn }) =>
  turn === 0
    ? {
        blocks: [{ type: 'tool_use', name: 'Bash', input: { command: 'echo long', description: 'Echo' } }],
        usage: {
          input_tokens: 90_000,
          output_tokens: 1_000,
          cache_read_input_tokens: 20_000,
          cache_creation: { ephemeral_5m_input_tokens: 5_000, ephemeral_1h_input_tokens: 5_000 },
        },
      }
    : {
        blocks: [{ type: 'text', text: 'Read it all.' }],
        usage: { input_tokens: 2_000, output_tokens: 300, cache_read_input_tokens: 120_000 },
      };

/** Web searches and US-only inference, which Claude Code prices too, beside both cache lifetimes. */
const extras: Script = ({ turn }) =>
  turn === 0
    ? {
        blocks: [{ type: 'tool_use', name: 'Bash', input: { command: 'echo searched', description: 'Echo' } }],
        usage: {
          input_tokens: 5_000,
          output_tokens: 700,
          cache_read_input_tokens: 10_000,
          cache_creation: { ephemeral_5m_input_tokens: 2_000, ephemeral_1h_input_tokens: 3_000 },
          server_tool_use: { web_search_requests: 2 },
          inference_geo: 'us',
        },
      }
    : {
        blocks: [{ type: 'text', text: 'Found it.' }],
        usage: { input_tokens: 800, output_tokens: 100, cache_read_input_tokens: 15_000, inference_geo: 'us' },
      };

/** The usage the scripted API reports for a call whose script says nothing about usage (side calls). */
const DEFAULT_PRICEABLE = {
  inputTokens: DEFAULT_USAGE.input_tokens,
  outputTokens: DEFAULT_USAGE.output_tokens,
  cacheReadInputTokens: DEFAULT_USAGE.cache_read_input_tokens,
  cacheCreationInputTokens: DEFAULT_USAGE.cache_creation_input_tokens,
};

let api: ScriptedAnthropic;
const dirs: string[] = [];
const handles: AgentHandle[] = [];
/** What each case measured, printed at the end: the agreement the issue asks for, in numbers. */
const measured: string[] = [];

beforeAll(async () => {
  api = await startScriptedAnthropic({ scripts: { 'long-context': longContext, extras } });
});

afterAll(async () => {
  await api.close();
  console.info(`live estimate vs Claude Code's total_cost_usd:\n${measured.join('\n')}`);
});

afterEach(async () => {
  for (const handle of handles.splice(0)) {
    handle.cancel('runner_shutdown');
    await handle.done;
  }
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Runs Claude Code to its result; returns its usage events, its result and the API calls of its session. */
async function run(prompt: string, model: string | null, { sideCalls = false } = {}) {
  const cwd = await mkdtemp(join(tmpdir(), 'claudeops-pricing-'));
  dirs.push(cwd);
  const events: EventDraft[] = [];
  const handle = startAgent(
    {
      executionId: 'ex_01jc0000000000000000000002',
      prompt,
      model,
      maxBudgetUsd: null,
      cwd,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: cwd,
        ANTHROPIC_BASE_URL: api.url,
        ANTHROPIC_API_KEY: 'sk-ant-test',
        // As the runner's tests run it; with it off, Claude Code also makes side calls (see the test below).
        ...(sideCalls ? {} : { CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' }),
      },
    },
    (draft) => {
      EVENT_DATA[draft.type].parse(draft.data);
      events.push(draft);
    },
  );
  handles.push(handle);
  expect(await handle.done).toEqual({ status: 'succeeded' });
  const of = <T extends EventDraft['type']>(type: T) =>
    events.filter((event) => event.type === type).map((event) => ({ ts: event.ts, ...(event.data as EventData<T>) }));
  const [init] = of('system.init');
  const [result] = of('result');
  const calls = api.requests.filter((request) => request.sessionId === init?.sessionId);
  return { init: init!, result: result!, usage: of('usage'), calls };
}

/** The live estimate: what the hub charges, each usage event priced at its own time. */
const estimate = (usage: Array<EventData<'usage'> & { ts: string }>) =>
  usage.map((u) => priceUsage(u.model, u, new Date(u.ts)));

function record(name: string, estimateUsd: number, totalUsd: number) {
  const difference = (estimateUsd - totalUsd) / totalUsd;
  measured.push(
    `  ${name.padEnd(52)} estimate $${estimateUsd.toFixed(6)}  Claude Code $${totalUsd.toFixed(6)}  ` +
      `difference ${(difference * 100).toExponential(2)}%`,
  );
  return difference;
}

describe('pricing: the live estimate agrees with Claude Code’s total_cost_usd', () => {
  it.each([
    ['claude-sonnet-4-5', '[script:costly:2]'],
    ['claude-sonnet-4-5-20250929', '[script:extras]'],
    ['claude-opus-4-6', '[script:costly:2]'],
    ['claude-opus-4-5-20251101', '[script:costly:1]'],
    ['claude-haiku-4-5', '[script:costly:2]'],
    ['claude-haiku-5-5', '[script:long-context]'],
    ['default', '[script:costly:2]'],
  ])('%s with %s', async (model, marker) => {
    // `default`: no model given, so Claude Code runs its default, which the table knows.
    const { init, result, usage, calls } = await run(`Spend a little. ${marker}`, model === 'default' ? null : model);
    expect(init.model).toBe(model === 'default' ? CLAUDE_CODE_DEFAULT_MODEL : model);

    // One usage event per API call of the session, every one with the cache-write split the API reported.
    const agentCalls = calls.filter((call) => call.kind === 'messages');
    expect(usage.map((u) => u.messageId)).toEqual(agentCalls.map((call) => call.messageId));
    expect(calls.filter((call) => call.kind === 'side')).toEqual([]);
    expect(usage.some((u) => (u.cacheCreation1hInputTokens ?? 0) > 0)).toBe(true);
    for (const u of usage) {
      expect(u.cacheCreation5mInputTokens! + u.cacheCreation1hInputTokens!).toBe(u.cacheCreationInputTokens);
    }

    const priced = estimate(usage);
    expect(priced.every((p) => !p.estimated && p.costUsd > 0)).toBe(true);
    const live = priced.reduce((sum, p) => sum + p.costUsd, 0);
    expect(result.totalCostUsd).toBeGreaterThan(0);
    expect(Math.abs(record(`${model} ${marker}`, live, result.totalCostUsd))).toBeLessThan(0.01);
  });

  it('misses only the side calls Claude Code makes outside the agent loop when non-essential traffic is on', async () => {
    const { result, usage, calls } = await run('Spend a little. [script:costly:1]', 'claude-sonnet-4-5', {
      sideCalls: true,
    });
    const live = estimate(usage).reduce((sum, p) => sum + p.costUsd, 0);
    record('claude-sonnet-4-5 [script:costly:1], side calls on', live, result.totalCostUsd);
    // A side call (the session title) streams nothing to the SDK, yet Claude Code counts it: the scripted API
    // answers it with DEFAULT_USAGE. The reconciliation at the result charges the difference.
    const side = calls.filter((call) => call.kind === 'side');
    const sideUsd = side.reduce((sum, call) => sum + priceUsage(call.model!, DEFAULT_PRICEABLE, new Date()).costUsd, 0);
    expect(result.totalCostUsd).toBeCloseTo(live + sideUsd, 9);
  });

  it('estimates an unknown model by its family, which Claude Code prices at its default model instead', async () => {
    const { result, usage } = await run('Spend a little. [script:costly:1]', 'claude-sonnet-9');
    const priced = estimate(usage);
    expect(priced.every((p) => p.estimated && p.pricedAs === 'claude-sonnet-5-5' && p.costUsd > 0)).toBe(true);
    const live = priced.reduce((sum, p) => sum + p.costUsd, 0);
    record('claude-sonnet-9 (unknown) [script:costly:1]', live, result.totalCostUsd);
    // Claude Code's figure: the same usage at its default model's prices. The reconciliation keeps the difference.
    const asDefault = usage.reduce((sum, u) => sum + priceUsage(CLAUDE_CODE_DEFAULT_MODEL, u, new Date()).costUsd, 0);
    expect(result.totalCostUsd).toBeCloseTo(asDefault, 9);
    expect(live).toBeLessThan(result.totalCostUsd);
  });
});
