// The real toxiproxy-node-client (4.1.0, pinned in package-lock.json) driving
// `stormlab proxy`: every call the client offers, checked by what the bytes
// do (an echo server of our own behind the proxy), not only by status codes.
// Usage: node check.js http://127.0.0.1:CONTROL_PORT   (run_node.sh runs it)
"use strict";
const net = require("net");
const assert = require("assert/strict");
const { Toxiproxy, ToxiproxyError } = require("toxiproxy-node-client");

function echoServer() {
  return new Promise((resolve) => {
    const srv = net.createServer((s) => s.on("data", (d) => s.write(d)).on("error", () => {}));
    srv.listen(0, "127.0.0.1", () => resolve(srv));
  });
}

function connect(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => resolve(s));
    s.setNoDelay(true);
    s.once("error", reject);
  });
}

// Sends payload and resolves with what came back (length bytes) and the time
// it took, or rejects at the deadline.
function exchange(sock, payload, deadlineMs = 5000) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let got = Buffer.alloc(0);
    const timer = setTimeout(() => done(new Error(`only ${got.length} of ${payload.length} bytes back`)), deadlineMs);
    const onData = (d) => {
      got = Buffer.concat([got, d]);
      if (got.length >= payload.length) done(null);
    };
    function done(err) {
      clearTimeout(timer);
      sock.off("data", onData);
      if (err) reject(err);
      else resolve({ data: got, ms: Number(process.hrtime.bigint() - t0) / 1e6 });
    }
    sock.on("data", onData);
    sock.write(payload);
  });
}

// Resolves with the ms until the peer closes sock, or rejects after limitMs.
function closedWithin(sock, limitMs) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const timer = setTimeout(() => reject(new Error(`still open after ${limitMs} ms`)), limitMs);
    const fin = () => { clearTimeout(timer); resolve(Date.now() - t0); };
    sock.once("end", fin);
    sock.once("close", fin);
    sock.resume();
  });
}

function portOf(listen) {
  return Number(listen.slice(listen.lastIndexOf(":") + 1));
}

async function main() {
  const api = process.argv[2];
  const echo = await echoServer();
  const upPort = echo.address().port;
  const toxiproxy = new Toxiproxy(api);
  const steps = [];
  const step = (s) => { steps.push(s); console.log(`ok ${steps.length} - ${s}`); };

  // given the server, when asked its version, then Toxiproxy's API level
  assert.match(await toxiproxy.getVersion(), /2\.\d+\.\d+/);
  step("getVersion");

  // given a proxy created to a hostname (the client README's example form),
  // when bytes go through it, then they come back unchanged
  const proxy = await toxiproxy.createProxy({ name: "redis", listen: "127.0.0.1:0", upstream: `localhost:${upPort}` });
  assert.equal(proxy.upstream, `localhost:${upPort}`);
  const port = portOf(proxy.listen);
  let sock = await connect(port);
  const payload = Buffer.from("x".repeat(1000));
  let r = await exchange(sock, payload);
  assert.deepEqual(r.data, payload);
  const base = r.ms;
  step(`createProxy to localhost, 1000 bytes echoed in ${base.toFixed(1)} ms`);

  // when a 200 ms downstream latency is added, then a round trip takes 200+ ms
  const latency = await proxy.addToxic({ name: "lat", type: "latency", stream: "downstream", toxicity: 1, attributes: { latency: 200, jitter: 0 } });
  assert.equal(latency.attributes.latency, 200);
  r = await exchange(sock, Buffer.from("ping"));
  assert.ok(r.ms >= 195, `latency 200: round trip ${r.ms} ms`);
  step(`addToxic latency 200 ms: round trip ${r.ms.toFixed(1)} ms`);

  // when it is updated to 400 ms, then a round trip takes 400+ ms
  const updated = await latency.update({ attributes: { latency: 400, jitter: 0 }, toxicity: 1 });
  assert.equal(updated.attributes.latency, 400);
  assert.equal((await proxy.getToxic("lat")).attributes.latency, 400);
  r = await exchange(sock, Buffer.from("ping"));
  assert.ok(r.ms >= 395, `latency 400: round trip ${r.ms} ms`);
  step(`toxic.update latency 400 ms, getToxic: round trip ${r.ms.toFixed(1)} ms`);

  // when it is removed, then round trips are fast again
  await updated.remove();
  r = await exchange(sock, Buffer.from("ping"));
  assert.ok(r.ms < 150, `no toxic: round trip ${r.ms} ms`);
  step(`toxic.remove: round trip ${r.ms.toFixed(1)} ms`);

  // given a limit_data of 10 bytes downstream, when 100 bytes are echoed,
  // then 10 come back and the link closes
  await proxy.addToxic({ name: "lim", type: "limit_data", stream: "downstream", toxicity: 1, attributes: { bytes: 10 } });
  sock.destroy();
  sock = await connect(port);
  let got = 0;
  sock.on("data", (d) => { got += d.length; });
  sock.write(Buffer.alloc(100, 7));
  await closedWithin(sock, 3000);
  assert.equal(got, 10);
  step("limit_data 10 bytes: 10 bytes then close");
  await (await proxy.getToxic("lim")).remove();

  // given a timeout of 300 ms upstream, when a client connects and sends,
  // then the link closes about 300 ms later
  await proxy.addToxic({ name: "to", type: "timeout", stream: "upstream", toxicity: 1, attributes: { timeout: 300 } });
  sock = await connect(port);
  sock.write("lost");
  const closedMs = await closedWithin(sock, 3000);
  assert.ok(closedMs >= 250 && closedMs < 1500, `timeout 300 closed after ${closedMs} ms`);
  step(`timeout 300 ms: closed after ${closedMs} ms`);

  // when the proxy is disabled, then connections are refused; enabled, they work
  const disabled = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
  assert.equal(disabled.enabled, false);
  await assert.rejects(connect(port));
  const enabled = await disabled.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream });
  assert.equal(enabled.enabled, true);
  step("update enabled false/true: refused, then accepted");

  // getAll and get see it with its toxic; reset removes every toxic, and the
  // bytes pass again
  const all = await toxiproxy.getAll();
  assert.ok(all.redis);
  const got1 = await toxiproxy.get("redis");
  assert.equal(got1.upstream, `localhost:${upPort}`);
  assert.equal((await got1.getToxic("to")).attributes.timeout, 300);
  await toxiproxy.reset();
  await assert.rejects(got1.getToxic("to"), (e) => e instanceof ToxiproxyError);
  sock = await connect(portOf(enabled.listen));
  r = await exchange(sock, payload);
  assert.deepEqual(r.data, payload);
  sock.destroy();
  step("getAll, get, reset: toxics gone, bytes pass");

  // populate creates two proxies at once; both carry bytes
  const made = await toxiproxy.populate([
    { name: "pa", listen: "127.0.0.1:0", upstream: `127.0.0.1:${upPort}` },
    { name: "pb", listen: "127.0.0.1:0", upstream: `127.0.0.1:${upPort}` },
  ]);
  for (const n of ["pa", "pb"]) {
    sock = await connect(portOf(made[n].listen));
    r = await exchange(sock, Buffer.from(n));
    assert.equal(r.data.toString(), n);
    sock.destroy();
  }
  step("populate: two proxies, both carry bytes");

  // errors come back as ToxiproxyError: a missing proxy, a duplicate
  await assert.rejects(toxiproxy.get("nope"), (e) => e instanceof ToxiproxyError);
  await assert.rejects(toxiproxy.createProxy({ name: "pa", listen: "127.0.0.1:0", upstream: `127.0.0.1:${upPort}` }),
    (e) => e instanceof ToxiproxyError);
  step("errors: get a missing proxy, create a duplicate");

  // remove deletes the proxy: its port no longer accepts
  await made.pa.remove();
  await assert.rejects(toxiproxy.get("pa"));
  await assert.rejects(connect(portOf(made.pa.listen)));
  step("remove: gone, port closed");

  echo.close();
  console.log(`# ${steps.length} steps passed`);
}

main().then(() => process.exit(0), (e) => { console.error("FAIL:", e); process.exit(1); });
