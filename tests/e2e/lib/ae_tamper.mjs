// A proxy in front of the AE gateway that silently drops rows from JSONEachRow answers: the
// one fault the gateway cannot inject, an answer that is well-formed but incomplete, which
// only aesync's verification (count() and sum(_sample_interval) per window) can catch.
// Every request is forwarded as it came (path, Authorization, body); an answer to a request
// matching a rule loses its line number `dropLine` (0-based) and keeps everything else byte
// for byte. A rule with `rewrite(line, index)` instead replaces every line of the answer with
// what it returns (the line itself to keep it): rows that are well-formed but wrong, such as a
// timestamp outside the window that was asked for. Serves on this process's event loop (run
// aesync asynchronously).
import http from 'node:http';
import { once } from 'node:events';

import { isVerifyQuery, parseWindow } from './ae_gateway.mjs';

/**
 * Starts the proxy in front of `gateway` (a startAeGateway() handle). Resolves to
 * { url (an api_base), addRule({ dropLine = 0, rewrite, times = 1, when: { window: [from, to], verify } }),
 *   clear(), log, close() }; a rule's `hits` counts the answers it changed, a log entry's
 * `rewritten` the lines a rewrite changed in that answer.
 */
export async function startAeTamperProxy(gateway) {
  const rules = [];
  const log = [];
  const agent = new http.Agent({ keepAlive: false });
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    const sql = body.toString('utf8');
    const window = parseWindow(sql);
    const verify = isVerifyQuery(sql);
    const rule = rules.find(
      (r) =>
        r.hits < r.times &&
        (r.when.verify === undefined || r.when.verify === verify) &&
        (r.when.window === undefined || (window && window.from === r.when.window[0] && window.to === r.when.window[1])),
    );
    const entry = { window, verify, tampered: false, dropped: null, rewritten: 0 };
    log.push(entry);
    const up = http.request({
      host: '127.0.0.1',
      port: gateway.port,
      method: req.method,
      path: req.url,
      agent,
      headers: { authorization: req.headers.authorization ?? '', 'content-type': req.headers['content-type'] ?? 'text/plain' },
    });
    up.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`tamper proxy: ${err.message}\n`);
    });
    up.on('response', (ures) => {
      const out = [];
      ures.on('data', (c) => out.push(c));
      ures.on('error', () => res.destroy());
      ures.on('end', () => {
        let text = Buffer.concat(out);
        if (rule && ures.statusCode === 200 && rule.rewrite) {
          // The text after the last '\n' is not a line (empty for a complete answer).
          const lines = text.toString('utf8').split('\n');
          for (let i = 0; i < lines.length - 1; i++) {
            const changed = rule.rewrite(lines[i], i);
            if (changed !== lines[i]) entry.rewritten++;
            lines[i] = changed;
          }
          if (entry.rewritten > 0) {
            entry.tampered = true;
            rule.hits++;
            text = Buffer.from(lines.join('\n'), 'utf8');
          }
        } else if (rule && ures.statusCode === 200) {
          const lines = text.toString('utf8').split('\n');
          if (lines.length - 1 > rule.dropLine) {
            entry.dropped = lines.splice(rule.dropLine, 1)[0];
            entry.tampered = true;
            rule.hits++;
            text = Buffer.from(lines.join('\n'), 'utf8');
          }
        }
        const headers = { ...ures.headers };
        delete headers['content-length'];
        delete headers['transfer-encoding'];
        headers['content-length'] = String(text.length);
        res.writeHead(ures.statusCode, headers);
        res.end(text);
      });
    });
    up.end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/client/v4`,
    log,
    addRule({ dropLine = 0, rewrite, times = 1, when = {} }) {
      const r = { dropLine, rewrite, times, when, hits: 0 };
      rules.push(r);
      return r;
    },
    clear() {
      rules.length = 0;
    },
    async close() {
      server.closeAllConnections?.();
      await new Promise((r) => server.close(r));
      agent.destroy();
    },
  };
}
