// The dashboard renders in the browser: every page needs the person's session cookie to read the API, and the
// live stream is a browser WebSocket, so server rendering would only add a second auth path.
export const ssr = false;
export const prerender = false;
