// Placeholder until `npm run api:types` generates this file from GET /api/v1/openapi.json (openapi-typescript).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type paths = Record<string, any>;
