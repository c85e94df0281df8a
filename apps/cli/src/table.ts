// Plain aligned columns for list commands (ls, runners, approvals, budgets, costs): a header, then one row per item.
const ESCAPE = new RegExp(String.fromCharCode(27) + '\\[[0-9;]*m', 'g');
const width = (text: string) => [...text.replace(ESCAPE, '')].length;

export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((title, column) => Math.max(width(title), ...rows.map((row) => width(row[column] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell + ' '.repeat(widths[column]! - width(cell))))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

export const clipText = (text: string, max: number) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
};

/** "3m ago", "2h ago", "5d ago" from an ISO time. */
export function ago(iso: string | null, now = Date.now()): string {
  if (iso === null) return '-';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}
