// Preloaded with --import by tests that must prove a run stays on 127.0.0.1: every socket
// connection and DNS lookup to anything else is refused and written to $RIGHTSIZER_NET_LOG.
import net from 'node:net';
import dns from 'node:dns';
import fs from 'node:fs';

const logFile = process.env.RIGHTSIZER_NET_LOG;
const allowed = host => host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === undefined;
const record = what => { if (logFile) fs.appendFileSync(logFile, `${what}\n`); };

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const opts = typeof args[0] === 'object' && args[0] !== null ? (Array.isArray(args[0]) ? args[0][0] : args[0]) : { port: args[0], host: args[1] };
  const host = opts?.host ?? (opts?.path ? undefined : 'localhost');
  if (!opts?.path && !allowed(host)) {
    record(`connect ${host}:${opts?.port}`);
    throw new Error(`network access outside 127.0.0.1 refused: ${host}:${opts?.port}`);
  }
  return connect.apply(this, args);
};

const lookup = dns.lookup;
dns.lookup = function (hostname, ...rest) {
  if (!allowed(hostname)) {
    record(`dns ${hostname}`);
    const cb = rest.at(-1);
    const err = Object.assign(new Error(`DNS lookup outside 127.0.0.1 refused: ${hostname}`), { code: 'ENOTFOUND' });
    if (typeof cb === 'function') { process.nextTick(() => cb(err)); return; }
    throw err;
  }
  return lookup.call(this, hostname, ...rest);
};
