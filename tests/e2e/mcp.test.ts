// ClaudeOps as an MCP server for the real Claude Code, end to end: the test runs the Claude Code CLI with
// `--mcp-config` naming the control plane's /mcp (admin token in the config file's headers, never on a command line)
// against the scripted Anthropic API. That outer agent starts an inner execution with start_execution, polls
// get_execution until it has ended (the inner one runs on the stack's real runner, with its own scripted turn), and
// answers with the inner result. The API must show the inner execution succeeded, and the outer answer must carry it.
import { createRequire } from 'node:module';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MCP_TOOL_NAMES, type Execution } from '@claudeops/control-plane/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { innerAnswer, MCP_GET_TOOL, MCP_SCRIPTS, MCP_START_TOOL } from '../fixtures/anthropic-mcp-scripts';
import { type Child, startChild } from '../fixtures/child';
import { claudeEnv, type RunnerProcess } from '../fixtures/runner-process';
import { type Stack, startStack } from '../fixtures/stack';

const require = createRequire(import.meta.url);
/** The Claude Code executable the Agent SDK ships (the runner's agent runs the same one). */
const CLAUDE = path.join(
  path.dirname(require.resolve(`@anthropic-ai/claude-agent-sdk-${process.platform}-${process.arch}/package.json`)),
  'claude',
);

let stack: Stack;
let runner: RunnerProcess;
let dir = '';
const children: Child[] = [];

beforeAll(async () => {
  stack = await startStack({ anthropic: { scripts: MCP_SCRIPTS } });
  runner = await stack.startRunner();
  dir = await mkdtemp(path.join(os.tmpdir(), 'claudeops-mcp-client-'));
});

afterAll(async () => {
  await Promise.all(children.map((child) => child.stop()));
  await stack?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface ClaudeResult {
  type: string;
  subtype: string;
  is_error: boolean;
  result?: string;
  num_turns: number;
}

/** Runs `claude -p PROMPT` with ClaudeOps as its MCP server `claudeops`; returns its JSON result. */
async function runClaude(prompt: string): Promise<{ result: ClaudeResult; child: Child }> {
  const home = await mkdtemp(path.join(dir, 'home-'));
  const workdir = await mkdtemp(path.join(dir, 'work-'));
  const mcpConfig = path.join(dir, 'mcp.json');
  const server = {
    type: 'http',
    url: `${stack.controlPlane.url}/mcp`,
    headers: { Authorization: `Bearer ${stack.controlPlane.adminToken}` },
  };
  await writeFile(mcpConfig, JSON.stringify({ mcpServers: { claudeops: server } }), { mode: 0o600 });
  const args = [
    '-p',
    prompt,
    '--output-format',
    'json',
    '--model',
    'claude-sonnet-4-5',
    '--mcp-config',
    mcpConfig,
    '--strict-mcp-config',
    // As root Claude Code refuses bypassPermissions: allow exactly the two tools the agent uses.
    '--allowedTools',
    `${MCP_START_TOOL},${MCP_GET_TOOL}`,
  ];
  const child = startChild('claude-mcp-client', CLAUDE, args, {
    cwd: workdir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      CLAUDE_CONFIG_DIR: path.join(home, '.claude'),
      ...claudeEnv(stack.anthropic.url),
      // Claude Code defers MCP tools behind its ToolSearch tool by default; the script calls them directly.
      ENABLE_TOOL_SEARCH: 'false',
    },
  });
  children.push(child);
  const { code } = await child.exited;
  const output = child.output();
  const line = output
    .split('\n')
    .reverse()
    .find((text) => text.startsWith('{') && text.includes('"type":"result"'));
  expect(line, `claude exited ${code} without a JSON result:\n${output.slice(-3000)}`).toBeDefined();
  return { result: JSON.parse(line!) as ClaudeResult, child };
}

describe('Claude Code as the MCP client of ClaudeOps', () => {
  it('starts another agent through /mcp, waits for it and answers with its result', async () => {
    const word = `mcp${Date.now().toString(36)}`;
    const { result, child } = await runClaude(
      `[script:mcp-orchestrate:${word}] Use ClaudeOps to run an agent and tell me what it said.`,
    );
    expect((await child.exited).code).toBe(0);
    expect(result).toMatchObject({ type: 'result', subtype: 'success', is_error: false });
    expect(result.result).toContain('The inner agent');

    // The inner execution, as the API shows it: started over MCP, run by the stack's runner, succeeded.
    const listed = await stack.api.listExecutions({ limit: 200 });
    const inner = listed.items.filter((execution: Execution) =>
      execution.prompt.includes(`[script:mcp-inner:${word}]`),
    );
    expect(inner).toHaveLength(1);
    const done = await stack.api.getExecution(inner[0]!.id);
    expect(done).toMatchObject({ status: 'succeeded', agent: 'default' });
    const runners = (await (await stack.api.request('GET', '/api/v1/runners')).json()) as {
      items: Array<{ id: string; name: string }>;
    };
    expect(done.runnerId).toBe(runners.items.find((item) => item.name === runner.name)?.id);
    expect(done.result?.text).toBe(innerAnswer(word));

    // The outer agent read it back through get_execution and passed it on.
    expect(result.result).toContain(`The inner agent ${done.id} succeeded. It said: ${innerAnswer(word)}`);

    // Claude Code offered the agent all the ClaudeOps tools, with their schemas from the API.
    const outerTurns = stack.anthropic.requests.filter((request) => request.script === 'mcp-orchestrate');
    const offered = (outerTurns[0]?.body as { tools: Array<{ name: string; input_schema: { properties: object } }> })
      .tools;
    const ours = offered.filter((tool) => tool.name.startsWith('mcp__claudeops__'));
    expect(ours.map((tool) => tool.name).sort()).toEqual(
      MCP_TOOL_NAMES.map((name) => `mcp__claudeops__${name}`).sort(),
    );
    expect(Object.keys(ours.find((tool) => tool.name === MCP_START_TOOL)!.input_schema.properties)).toContain('prompt');
    // Turn 0 starts it, at least one turn polls it, the last one answers.
    expect(outerTurns.length).toBeGreaterThanOrEqual(3);
  });
});
