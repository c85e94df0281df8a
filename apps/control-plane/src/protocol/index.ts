// The one protocol module: every HTTP body, query and WebSocket frame of ClaudeOps, as zod schemas.
export * from './common';
export * from './events';
export * from './api';
export * from './approvals';
export * from './agents';
export * from './account';
export * from './frames';
export * from './sandbox';
export * from './limits';
export * from './reports';
export * from './settings';
export * from './pages';
export * from './mcp';
export * from './export';
export * from './triggers';
export * from './messages';
export * from './schedules';
