// Helpers for the mcp-*.test.ts files: the official MCP client (Client + StreamableHTTPClientTransport) talking to
// the Worker's own fetch handler at /mcp, and raw JSON-RPC posts for what a client library would not send.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import { ADMIN_TOKEN, BASE } from './api-support';

export const MCP_URL = new URL('/mcp', BASE);

const workerFetch = (url: string | URL, init?: RequestInit) => exports.default.fetch(new Request(url, init));

/** A connected MCP client sending `token` (default: the admin token) as its Bearer header. */
export async function mcpClient(token: string | null = ADMIN_TOKEN): Promise<Client> {
  const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  const transport = new StreamableHTTPClientTransport(MCP_URL, { fetch: workerFetch, requestInit: { headers } });
  const client = new Client({ name: 'claudeops-workers-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** Calls a tool and returns its result (asserting it is a plain CallToolResult). */
export async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  expect(Array.isArray(result.content)).toBe(true);
  return result;
}

/** A successful tool result's structured content, checked against its text block (the same JSON). */
export async function ok<T = Record<string, unknown>>(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<T> {
  const result = await call(client, name, args);
  const [block] = result.content;
  expect(result.isError ?? false, block?.type === 'text' ? block.text : 'no text').toBe(false);
  expect(block?.type).toBe('text');
  expect(JSON.parse(block?.type === 'text' ? block.text : 'null')).toEqual(result.structuredContent);
  return result.structuredContent as T;
}

/** A tool result that is an error: its text (the API's code and message, or the SDK's validation message). */
export async function toolError(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const result = await call(client, name, args);
  expect(result.isError).toBe(true);
  const [block] = result.content;
  return block?.type === 'text' ? block.text : '';
}

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

/** A raw JSON-RPC POST to /mcp (an initialize unless `message` is given), as a request. */
export function initialize(headers: Record<string, string>, message: unknown = INITIALIZE, path = '/mcp'): Request {
  return new Request(new URL(path, BASE), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(message),
  });
}

/** Sends `initialize(...)` to the Worker. */
export function rawPost(headers: Record<string, string>, message?: unknown, path?: string): Promise<Response> {
  return exports.default.fetch(initialize(headers, message, path));
}
