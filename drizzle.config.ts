// drizzle-kit configuration: generates the SQL in migrations/ from the one D1 schema; wrangler and the tests apply it.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './apps/control-plane/src/db/schema.ts',
  out: './migrations',
});
