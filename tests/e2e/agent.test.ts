// End to end for the runner's agent: the real Claude Code CLI, started by startAgent, against the scripted Anthropic
// API on loopback: real tool calls, real files, Claude Code's own cost, and cancels that leave nothing running.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_DATA, type EventDraft, type EventData } from '@claudeops/control-plane/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, startAgent } from '../../apps/runner/src/agent/agent';
import { processesIn } from '../fixtures/processes';
import { type ScriptedAnthropic, startScriptedAnthropic } from '../fixtures/scripted-anthropic';
import { waitFor } from '../fixtures/wait';

/** Claude Sonnet 4.5 list prices in USD per token, which Claude Code uses for its total_cost_usd. */
const SONNET_4_5 = { input: 3e-6, output: 15e-6, cacheWrite: 3.75e-6, cacheRead: 0.3e-6 };

let api: ScriptedAnthropic;
const dirs: string[] = [];
const handles: AgentHandle[] = [];

beforeAll(async () => {
  api = await startScriptedAnthropic({
    scripts: {
      // First a Bash call that leaves a background process behind (Claude Code runs each command in a session of
      // its own, so it is outside Claude Code's process group), then one that does not return.
      // (Claude Code refuses long `sleep`s, so node waits instead.)
      'hang-in-tool': ({ turn }) => {
        const wait = `node -e "setTimeout(() => {}, 300000)"`;
        const command = [`${wait} > /dev/null 2>&1 & echo $! > bg.pid`, `echo started > fg.started; ${wait}`][turn];
        return command
          ? { blocks: [{ type: 'tool_use', name: 'Bash', input: { command, description: 'Wait' } }] }
          : { blocks: [{ type: 'text', text: 'The tool call ended; it should not have.' }] };
      },
    },
  });
});

afterAll(async () => {
  await api.close();
});

afterEach(async () => {
  // A failed test must not leave Claude Code running.
  for (const handle of handles.splice(0)) {
    handle.cancel('runner_shutdown');
    await handle.done;
  }
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function run(prompt: string, overrides: { maxBudgetUsd?: number } = {}) {
  const cwd = await mkdtemp(join(tmpdir(), 'claudeops-agent-ws-'));
  const home = await mkdtemp(join(tmpdir(), 'claudeops-agent-home-'));
  dirs.push(cwd, home);
  const events: EventDraft[] = [];
  const handle = startAgent(
    {
      executionId: 'ex_01jc0000000000000000000000',
      prompt,
      model: 'claude-sonnet-4-5',
      maxBudgetUsd: overrides.maxBudgetUsd ?? null,
      cwd,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        ANTHROPIC_BASE_URL: api.url,
        ANTHROPIC_API_KEY: 'sk-ant-test',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      },
    },
    (draft) => {
      EVENT_DATA[draft.type].parse(draft.data);
      events.push(draft);
    },
  );
  handles.push(handle);
  const of = <T extends EventDraft['type']>(type: T) =>
    events.filter((event) => event.type === type).map((event) => event.data as EventData<T>);
  return { cwd, handle, events, of };
}

/** Live (not zombie) members of a process group, from /proc. */
async function groupMembers(pgid: number): Promise<number[]> {
  const members: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') members.push(Number(entry));
  }
  return members;
}

const requestsOf = (sessionId: string | undefined) => api.requests.filter((request) => request.sessionId === sessionId);

describe('agent: real Claude Code against the scripted API', () => {
  it('writes a file through a Bash tool call and succeeds with Claude Code’s own cost', async () => {
    const { cwd, handle, events, of } = await run('Write the greeting file. [script:write-file]');

    expect(await handle.done).toEqual({ status: 'succeeded' });
    expect(await readFile(join(cwd, 'hello.txt'), 'utf8')).toBe('hello from claudeops\n');

    expect(events[0]?.type).toBe('system.init');
    expect(events.at(-1)?.type).toBe('result');
    const sessionId = of('system.init')[0]?.sessionId;
    expect(of('tool.call')).toEqual([expect.objectContaining({ name: 'Bash' })]);
    expect(of('tool.result')).toEqual([expect.objectContaining({ toolUseId: of('tool.call')[0]?.toolUseId })]);
    expect(of('assistant.thinking')).toHaveLength(1);
    expect(of('assistant.text').map((text) => text.text)).toEqual([
      "I'll write hello.txt.",
      'Done: hello.txt now says hello.',
    ]);

    // One usage event per API message, with the final output tokens (message_start says 1).
    const usage = of('usage');
    const calls = requestsOf(sessionId).filter((request) => request.kind === 'messages');
    expect(usage.map((u) => u.messageId)).toEqual(calls.map((request) => request.messageId));
    expect(usage.map((u) => u.outputTokens)).toEqual([80, 25]);

    // The usage events price out to exactly what Claude Code reports.
    const [result] = of('result');
    const priced = usage.reduce(
      (sum, u) =>
        sum +
        u.inputTokens * SONNET_4_5.input +
        u.outputTokens * SONNET_4_5.output +
        u.cacheCreationInputTokens * SONNET_4_5.cacheWrite +
        u.cacheReadInputTokens * SONNET_4_5.cacheRead,
      0,
    );
    expect(result).toMatchObject({ subtype: 'success', isError: false, numTurns: 2, sessionId });
    expect(result?.totalCostUsd).toBeGreaterThan(0);
    expect(result?.totalCostUsd).toBeCloseTo(priced, 10);
  });

  it('cancels mid-run: ends cancelled, leaves no Claude Code process and makes no further model call', async () => {
    const { cwd, handle, of } = await run('Take your time. [script:slow]');
    const held = await api.waitForRequest((request) => request.script === 'slow' && request.turn === 1);
    const pid = handle.pid;
    expect(pid).toBeDefined();
    const callsAtCancel = requestsOf(held.sessionId ?? undefined).length;

    handle.cancel('user');
    handle.cancel('user');
    expect(await handle.done).toEqual({ status: 'cancelled', reason: 'cancelled by user' });

    expect(await groupMembers(pid!)).toEqual([]);
    expect(await processesIn(cwd)).toEqual([]);
    expect(requestsOf(held.sessionId ?? undefined)).toHaveLength(callsAtCancel);
    expect(held.completed).toBe(false);
    expect(of('result')).toEqual([]);
  });

  it('cancelled during a tool call, also kills tool processes that left Claude Code’s process group', async () => {
    const { cwd, handle } = await run('Wait. [script:hang-in-tool]');
    await waitFor(() => readFile(join(cwd, 'fg.started'), 'utf8').catch(() => ''), { what: 'the hanging tool call' });
    const background = Number(await readFile(join(cwd, 'bg.pid'), 'utf8'));
    expect(await processesIn(cwd)).toContain(background);
    expect(await groupMembers(handle.pid!)).not.toContain(background);

    handle.cancel('user');
    expect((await handle.done).status).toBe('cancelled');

    expect(await processesIn(cwd)).toEqual([]);
    expect(await groupMembers(handle.pid!)).toEqual([]);
    expect(api.requests.filter((request) => request.script === 'hang-in-tool')).toHaveLength(2);
  });

  it('passes maxBudgetUsd to Claude Code as its own cap', async () => {
    const { handle, of } = await run('Chat a lot. [script:chatty:50]', { maxBudgetUsd: 0.002 });

    const outcome = await handle.done;
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toMatch(/error_max_budget_usd/);
    expect(of('result')).toEqual([expect.objectContaining({ subtype: 'error_max_budget_usd', isError: true })]);
    expect(of('result')[0]?.totalCostUsd).toBeGreaterThan(0.002);
  });
});

describe('agent: process handling, with a stand-in for the Claude Code executable', () => {
  async function standIn(source: string) {
    const dir = await mkdtemp(join(tmpdir(), 'claudeops-agent-cli-'));
    dirs.push(dir);
    const path = join(dir, 'claude');
    await writeFile(path, source, { mode: 0o755 });
    const events: EventDraft[] = [];
    const job = { executionId: 'ex_01jc0000000000000000000001', prompt: 'hi', model: null, maxBudgetUsd: null };
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir };
    const handle = startAgent({ ...job, cwd: dir, env }, (draft) => events.push(draft), {
      graceMs: 500,
      pathToClaudeCodeExecutable: path,
    });
    handles.push(handle);
    return { handle, events };
  }

  it('kills a Claude Code that ignores the abort once the grace period is over', async () => {
    const { handle, events } = await standIn(
      "#!/usr/bin/env node\nprocess.on('SIGTERM', () => {});\nprocess.stdin.resume();\nsetInterval(() => {}, 1000);\nconsole.error('ready');\n",
    );
    await waitFor(() => events.some((event) => event.type === 'log' && event.data.message === 'ready'), {
      what: 'the stand-in to start',
    });

    handle.cancel('lease_lost');
    expect(await handle.done).toEqual({ status: 'cancelled', reason: expect.stringContaining('lease') });
    expect(await groupMembers(handle.pid!)).toEqual([]);
  });

  it('fails with a reason when Claude Code exits without a result, passing its stderr on as log events', async () => {
    const { handle, events } = await standIn('#!/bin/sh\necho "no credentials" >&2\nexit 3\n');

    const outcome = await handle.done;
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toMatch(/exit/i);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'log', data: { level: 'warn', message: 'no credentials' } }),
    );
  });
});
