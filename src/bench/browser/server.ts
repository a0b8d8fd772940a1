/**
 * The local HTTP server browser targets load from: 127.0.0.1 on a random port, every file from this machine (the
 * runtimes from node_modules, the model, the test split), nothing from a CDN.
 *
 * Headers that matter: `.mjs`/`.js` as JavaScript (onnxruntime-web imports its .mjs dynamically; a module script
 * with another MIME type is refused), `.wasm` as application/wasm (WebAssembly.instantiateStreaming requires it),
 * and COOP/COEP so the page is cross-origin isolated: wasm threads need SharedArrayBuffer, and the clock is 5 µs
 * instead of 100 µs.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, resolve, sep } from 'node:path';
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

/** One request the server answered (for diagnosing a page that failed to load). */
export interface ServedRequest {
  path: string;
  status: number;
  type: string;
}

/** A running local server. */
export interface LocalServer {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  /** Serves the files under `dir` at `prefix` (e.g. "/vendor/ort/"); paths may not escape `dir`. */
  mountDir(prefix: string, dir: string): void;
  /** Serves fixed content at `path`. */
  mountContent(path: string, body: string | Uint8Array, type: string): void;
  /** Removes every mount under `prefix`. */
  unmount(prefix: string): void;
  /** The requests answered since the last call. */
  takeLog(): ServedRequest[];
  close(): Promise<void>;
}

export interface ServerOptions {
  /** Overrides MIME types by extension (tests serve .wasm wrongly on purpose). */
  mimeOverrides?: Record<string, string>;
}

/** Starts the server on 127.0.0.1 and a free port. */
export async function startLocalServer(opts: ServerOptions = {}): Promise<LocalServer> {
  const mime = { ...MIME_TYPES, ...opts.mimeOverrides };
  const dirs = new Map<string, string>();
  const contents = new Map<string, { body: string | Uint8Array; type: string }>();
  let log: ServedRequest[] = [];

  const send = (res: ServerResponse, path: string, status: number, type: string, body?: string | Uint8Array) => {
    res.writeHead(status, {
      'Content-Type': type,
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      // Every session must load cold: nothing may come from the HTTP cache.
      'Cache-Control': 'no-store',
    });
    log.push({ path, status, type });
    return body;
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.end(send(res, req.url ?? '', 400, 'text/plain', 'bad path'));
      return;
    }
    const content = contents.get(path);
    if (content) {
      res.end(send(res, path, 200, content.type, content.body));
      return;
    }
    // The longest matching prefix wins.
    const prefix = [...dirs.keys()].filter((p) => path.startsWith(p)).sort((a, b) => b.length - a.length)[0];
    if (prefix !== undefined) {
      const root = dirs.get(prefix)!;
      const file = resolve(root, '.' + sep + path.slice(prefix.length));
      if ((file === root || file.startsWith(root + sep)) && existsSync(file) && statSync(file).isFile()) {
        send(res, path, 200, mime[extname(file).toLowerCase()] ?? 'application/octet-stream');
        createReadStream(file).pipe(res);
        return;
      }
    }
    res.end(send(res, path, 404, 'text/plain', `not found: ${path}`));
  };

  const server = createServer(handle);
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    mountDir: (prefix, dir) => void dirs.set(prefix, resolve(dir)),
    mountContent: (path, body, type) => void contents.set(path, { body, type }),
    unmount(prefix) {
      for (const k of [...dirs.keys()]) if (k.startsWith(prefix)) dirs.delete(k);
      for (const k of [...contents.keys()]) if (k.startsWith(prefix)) contents.delete(k);
    },
    takeLog() {
      const out = log;
      log = [];
      return out;
    },
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
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
    if (r.path === '/favicon.ico') continue;
    if (r.status === 404) out.push(`${r.path} was not found (404)`);
    else if (ext === '.wasm' && type !== 'application/wasm') out.push(`${r.path} was served as ${type}; WebAssembly needs application/wasm`);
    else if ((ext === '.js' || ext === '.mjs') && type !== 'text/javascript' && type !== 'application/javascript') {
      out.push(`${r.path} was served as ${type}; scripts need text/javascript`);
    }
  }
  return [...new Set(out)];
}
