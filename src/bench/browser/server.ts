/**
 * The local HTTP server browser targets load from: 127.0.0.1 on a random port by default, every file from this
 * machine (the runtimes from node_modules, the model, the test split), nothing from a CDN.
 *
 * Headers that matter: `.mjs`/`.js` as JavaScript (onnxruntime-web imports its .mjs dynamically; a module script
 * with another MIME type is refused), `.wasm` as application/wasm (WebAssembly.instantiateStreaming requires it),
 * and COOP/COEP so the page is cross-origin isolated: wasm threads need SharedArrayBuffer, and the clock is 5 µs
 * instead of 100 µs.
 *
 * Sessions live in scopes: every file of a page session is served under `/s/<token>/`, the token 128 random bits,
 * and a scope's request log holds only the requests under its own token. Another local process can neither read a
 * session's files without guessing the token nor make the session fail by sending requests that 404.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createReadStream, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';

/** MIME type by file extension; anything else is application/octet-stream. */
export const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.bin': 'application/octet-stream',
  '.onnx': 'application/octet-stream',
};

/** Extensions worth compressing (model weights, scripts, wasm, JSON, the test images). */
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.wasm', '.json', '.bin', '.onnx', '.f32', '.map', '.css', '.svg']);

/** One request the server answered (for diagnosing a page that failed to load). */
export interface ServedRequest {
  path: string;
  status: number;
  type: string;
  /** Body bytes sent (after compression), when known. */
  bytes?: number;
  /** "gzip" when the body was sent compressed. */
  encoding?: string;
}

/** What a POST handler answers. */
export interface PostReply {
  status: number;
  body: string;
}

/** Answers a POST whose body was read whole (at most the mount's byte limit). */
export type PostHandler = (body: Buffer) => Promise<PostReply> | PostReply;

/** Ways to put content on the server, all relative to a root ("/" for the server, "/s/<token>/" for a scope). */
export interface Mounts {
  /** Serves the files under `dir` at `prefix` (e.g. "/vendor/ort/"); paths may not escape `dir`. */
  mountDir(prefix: string, dir: string): void;
  /** Serves fixed content at `path`. */
  mountContent(path: string, body: string | Uint8Array, type: string): void;
  /** Accepts POSTs at `path` with bodies of at most `maxBytes` (larger ones get 413 and never reach `handler`). */
  mountPost(path: string, maxBytes: number, handler: PostHandler): void;
  /** Removes every mount under `prefix`. */
  unmount(prefix: string): void;
}

/** A page session's part of the server: everything under `/s/<token>/`, with its own request log. */
export interface ServerScope extends Mounts {
  /** The random token (base64url, 128 bits). */
  token: string;
  /** "/s/<token>/": prefix every URL the page uses with it. */
  base: string;
  /** The absolute URL of `path` (relative to the scope) on this server. */
  url(path: string): string;
  /** The requests under this scope's token answered since the last call; nobody else's. */
  takeLog(): ServedRequest[];
  /** Removes the scope's mounts; its URLs 404 from then on. */
  close(): void;
}

/** A running local server. */
export interface LocalServer extends Mounts {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  port: number;
  /** A new scope under a fresh random token; its own gzip and Cache-Control override the server's. */
  openScope(opts?: ScopeOptions): ServerScope;
  /** Every request answered since the last call (scoped or not). */
  takeLog(): ServedRequest[];
  close(): Promise<void>;
}

/** How a scope serves its files. */
export interface ScopeOptions {
  /** Cache-Control of the scope's responses (default: the server's). */
  cacheControl?: string;
  /** Compress compressible files with gzip when the client accepts it (default: the server's). */
  gzip?: boolean;
}

export interface ServerOptions {
  /** Overrides MIME types by extension (tests serve .wasm wrongly on purpose). */
  mimeOverrides?: Record<string, string>;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: a free one). */
  port?: number;
  /** Cache-Control of every response (default "no-store": every session must load cold). */
  cacheControl?: string;
  /** Compress compressible files with gzip when the client accepts it, as a deployment behind a CDN does. */
  gzip?: boolean;
}

/** A fresh 128-bit URL-safe token. */
export function newToken(): string {
  return randomBytes(16).toString('base64url');
}

/** Starts the server (127.0.0.1 and a free port unless told otherwise). A port in use rejects with EADDRINUSE. */
export async function startLocalServer(opts: ServerOptions = {}): Promise<LocalServer> {
  const mime = { ...MIME_TYPES, ...opts.mimeOverrides };
  const cacheControl = opts.cacheControl ?? 'no-store';
  const dirs = new Map<string, string>();
  const contents = new Map<string, { body: string | Uint8Array; type: string }>();
  const posts = new Map<string, { maxBytes: number; handler: PostHandler }>();
  const scopes = new Map<string, { log: ServedRequest[]; opts: ScopeOptions }>();
  const scopeOf = (path: string) => scopes.get(/^\/s\/([^/]+)\//.exec(path)?.[1] ?? '');
  const gzipped = new Map<string, { mtimeMs: number; body: Buffer }>();
  let log: ServedRequest[] = [];

  const record = (entry: ServedRequest) => {
    log.push(entry);
    scopeOf(entry.path)?.log.push(entry);
  };
  const headers = (path: string, type: string, extra: Record<string, string | number> = {}) => ({
    'Content-Type': type,
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': scopeOf(path)?.opts.cacheControl ?? cacheControl,
    // The page reads Resource Timing sizes and times of every file (time to first prediction).
    'Timing-Allow-Origin': '*',
    ...extra,
  });
  const reply = (res: ServerResponse, path: string, status: number, type: string, body: string | Uint8Array, extra: Record<string, string | number> = {}) => {
    const bytes = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    res.writeHead(status, headers(path, type, { 'Content-Length': bytes, ...extra }));
    record({ path, status, type, bytes, ...(extra['Content-Encoding'] ? { encoding: String(extra['Content-Encoding']) } : {}) });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  };
  const acceptsGzip = (req: IncomingMessage, path: string) =>
    (scopeOf(path)?.opts.gzip ?? opts.gzip) === true && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));

  const sendFile = (req: IncomingMessage, res: ServerResponse, path: string, file: string) => {
    const ext = extname(file).toLowerCase();
    const type = mime[ext] ?? 'application/octet-stream';
    if (acceptsGzip(req, path) && COMPRESSIBLE.has(ext)) {
      const { mtimeMs } = statSync(file);
      let z = gzipped.get(file);
      if (!z || z.mtimeMs !== mtimeMs) gzipped.set(file, (z = { mtimeMs, body: gzipSync(readFileSync(file)) }));
      reply(res, path, 200, type, z.body, { 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' });
      return;
    }
    const size = statSync(file).size;
    res.writeHead(200, headers(path, type, { 'Content-Length': size }));
    record({ path, status: 200, type, bytes: size });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).on('error', () => res.destroy()).pipe(res);
  };

  /** The file `path` names under a mounted folder, or undefined (outside every mount, missing, or not a file). */
  const fileFor = (path: string): string | undefined => {
    // The longest matching prefix wins.
    const prefix = [...dirs.keys()].filter((p) => path.startsWith(p)).sort((a, b) => b.length - a.length)[0];
    if (prefix === undefined) return undefined;
    const root = dirs.get(prefix)!;
    const rest = path.slice(prefix.length);
    if (rest.includes('\0')) return undefined;
    const file = resolve(root, '.' + sep + rest);
    if (!(file === root || file.startsWith(root + sep)) || !existsSync(file)) return undefined;
    // A symlink inside the folder may point out of it: the real path must stay inside too.
    let real: string;
    try {
      real = realpathSync(file);
    } catch {
      return undefined;
    }
    if (!(real === root || real.startsWith(root + sep)) || !statSync(real).isFile()) return undefined;
    return real;
  };

  const handlePost = (req: IncomingMessage, res: ServerResponse, path: string) => {
    const mount = posts.get(path)!;
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > mount.maxBytes) {
      reply(res, path, 413, 'text/plain', `body larger than ${mount.maxBytes} bytes`, { Connection: 'close' });
      req.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > mount.maxBytes) {
        if (!over) reply(res, path, 413, 'text/plain', `body larger than ${mount.maxBytes} bytes`, { Connection: 'close' });
        over = true;
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (over) return;
      Promise.resolve()
        .then(() => mount.handler(Buffer.concat(chunks)))
        .then(
          (r) => reply(res, path, r.status, 'text/plain; charset=utf-8', r.body),
          (e: unknown) => reply(res, path, 500, 'text/plain; charset=utf-8', (e as Error).message.split('\n')[0]!),
        );
    });
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      reply(res, req.url ?? '', 400, 'text/plain', 'bad path');
      return;
    }
    if (req.method === 'POST' && posts.has(path)) return handlePost(req, res, path);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      reply(res, path, 405, 'text/plain', `${req.method} not allowed`, { Allow: 'GET, HEAD' });
      return;
    }
    const content = contents.get(path);
    if (content) return reply(res, path, 200, content.type, content.body);
    const file = fileFor(path);
    if (file) return sendFile(req, res, path, file);
    reply(res, path, 404, 'text/plain', `not found: ${path}`);
  };

  const server = createServer(handle);
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host ?? '127.0.0.1';
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const mountsAt = (root: string): Mounts => ({
    mountDir(prefix, dir) {
      const real = existsSync(dir) ? realpathSync(dir) : resolve(dir);
      dirs.set(root + prefix.replace(/^\//, ''), real);
    },
    mountContent: (path, body, type) => void contents.set(root + path.replace(/^\//, ''), { body, type }),
    mountPost: (path, maxBytes, handler) => void posts.set(root + path.replace(/^\//, ''), { maxBytes, handler }),
    unmount(prefix) {
      const p = root + prefix.replace(/^\//, '');
      for (const m of [dirs, contents, posts] as Map<string, unknown>[]) for (const k of [...m.keys()]) if (k.startsWith(p)) m.delete(k);
    },
  });

  return {
    origin,
    port,
    ...mountsAt('/'),
    openScope(scopeOpts = {}) {
      const token = newToken();
      const base = `/s/${token}/`;
      const mounts = mountsAt(base);
      scopes.set(token, { log: [], opts: scopeOpts });
      return {
        token,
        base,
        ...mounts,
        url: (path) => origin + base + path.replace(/^\//, ''),
        takeLog() {
          const scope = scopes.get(token);
          if (!scope) return [];
          const out = scope.log;
          scope.log = [];
          return out;
        },
        close() {
          mounts.unmount('/');
          scopes.delete(token);
        },
      };
    },
    takeLog() {
      const out = log;
      log = [];
      return out;
    },
    close: () =>
      new Promise<void>((ok) => {
        // Responses under way are finished (a device's last post gets its answer); idle keep-alive connections
        // close now, and whatever is still open after a second is cut.
        const force = setTimeout(() => server.closeAllConnections(), 1000);
        server.close(() => {
          clearTimeout(force);
          ok();
        });
        server.closeIdleConnections();
      }),
  };
}

/**
 * Problems in a request log that break a page: missing files, wasm not served as application/wasm, scripts not
 * served as JavaScript. One line each, naming the file and the MIME type.
 */
export function servingProblems(log: ServedRequest[]): string[] {
  const out: string[] = [];
  for (const r of log) {
    const ext = extname(r.path).toLowerCase();
    const type = r.type.split(';')[0]!.trim();
    // Browsers ask for a favicon on their own; a missing one breaks nothing.
    if (r.path === '/favicon.ico' || r.path.endsWith('/favicon.ico')) continue;
    if (r.status === 404) out.push(`${r.path} was not found (404)`);
    else if (ext === '.wasm' && type !== 'application/wasm') out.push(`${r.path} was served as ${type}; WebAssembly needs application/wasm`);
    else if ((ext === '.js' || ext === '.mjs') && type !== 'text/javascript' && type !== 'application/javascript') {
      out.push(`${r.path} was served as ${type}; scripts need text/javascript`);
    }
  }
  return [...new Set(out)];
}
