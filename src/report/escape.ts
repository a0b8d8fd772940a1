/** Escapes text for HTML element content and attribute values (class names and file names come from user data). */
export function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * Escapes text for a Markdown table cell: pipes and line breaks would break the table, and HTML-looking text would
 * be rendered as HTML by most Markdown viewers.
 */
export function escapeMd(s: unknown): string {
  return String(s)
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
    .replace(/[<>&`*_[\]]/g, (c) => `&#${c.charCodeAt(0)};`);
}
