// The browser project's setup: one production build of the dashboard for every test file.
import { buildDashboard } from '../fixtures/dashboard';

export default async function setup(): Promise<void> {
  await buildDashboard();
}
