/**
 * Real servers for the remote cache and the work queue, on 127.0.0.1 and free ports, in a temporary folder:
 * - Redis (Debian's redis-server), for BullMQ;
 * - OpenStack Swift with its s3api middleware (Debian's swift-* packages) and memcached: an S3 API object store.
 *
 * `npm run services` starts them, prints the environment to use, and stops them on Ctrl-C. Tests start and stop
 * them through `startServices()`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

export interface Services {
  redisUrl: string;
  /** The S3 endpoint (Swift's proxy). */
  s3Endpoint: string;
  bucket: string;
  /** What a `retrain` process needs in its environment to reach both. */
  env: Record<string, string>;
  /** Process ids, so a test can stop (SIGSTOP) or kill one. */
  pids: { redis: number; proxy: number; memcached: number };
  stop(): Promise<void>;
}

export const S3_ACCESS_KEY = 'test:tester';
export const S3_SECRET_KEY = 'testing';

/** The apt packages these servers come from (what `.ci/run` installs). */
export const SERVICE_PACKAGES = ['redis-server', 'memcached', 'swift', 'swift-proxy', 'swift-object', 'swift-container', 'swift-account'];

/** Why the servers cannot start here, or undefined when their programs are installed. */
export function servicesMissing(): string | undefined {
  const missing = ['redis-server', 'memcached', 'swift-proxy-server', 'swift-object-server', 'swift-account-server', 'swift-container-server'].filter(
    (program) => !['/usr/bin', '/usr/local/bin', '/usr/sbin'].some((dir) => existsSync(path.join(dir, program))),
  );
  return missing.length ? `${missing.join(', ')} not installed (apt-get install ${SERVICE_PACKAGES.join(' ')})` : undefined;
}

export async function startServices(options: { bucket?: string; log?: (line: string) => void } = {}): Promise<Services> {
  const missing = servicesMissing();
  if (missing) throw new Error(missing);
  const bucket = options.bucket ?? 'retrain';
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'retrain-services-'));
  const children: ChildProcess[] = [];
  // If this process exits without stop() (a test file that threw before its `after`, process.exit), the
  // servers are not left running on a removed folder: kill them and remove their data on the way out.
  const onExit = () => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const stop = async () => {
    process.removeListener('exit', onExit);
    await Promise.all(children.reverse().map(stopChild));
    await fs.rm(dir, { recursive: true, force: true });
  };
  try {
    const user = os.userInfo().username;
    const [redisPort, memcachedPort, proxyPort, objectPort, containerPort, accountPort] = await freePorts(6);

    const redis = start(children, 'redis-server', ['--bind', '127.0.0.1', '--port', String(redisPort), '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--dir', dir], dir);
    const memcachedArgs = ['-l', '127.0.0.1', '-p', String(memcachedPort), '-U', '0', '-m', '64'];
    const memcached = start(children, 'memcached', user === 'root' ? [...memcachedArgs, '-u', 'root'] : memcachedArgs, dir);

    const devices = path.join(dir, 'devices');
    await fs.mkdir(path.join(devices, 'd1'), { recursive: true });
    await fs.writeFile(path.join(dir, 'swift.conf'), '[swift-hash]\nswift_hash_path_suffix = retrain\nswift_hash_path_prefix = retrain\n\n[storage-policy:0]\nname = Policy-0\ndefault = yes\n');
    const common = (port: number) =>
      `[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = ${port}\nworkers = 0\nuser = ${user}\nswift_dir = ${dir}\ndevices = ${devices}\nmount_check = false\nlog_level = WARNING\n`;
    const servers = [['object', objectPort], ['container', containerPort], ['account', accountPort]] as const;
    for (const [kind, port] of servers) {
      await fs.writeFile(path.join(dir, `${kind}-server.conf`), `${common(port)}\n[pipeline:main]\npipeline = ${kind}-server\n\n[app:${kind}-server]\nuse = egg:swift#${kind}\n`);
    }
    // One ring per server kind (one device, one replica), made in one Python process: each
    // swift-ring-builder call costs seconds of interpreter start-up.
    run('/usr/bin/python3', ['-c', RING_SCRIPT, ...servers.map(([kind, port]) => `${kind}=${port}`)], dir);
    await fs.writeFile(path.join(dir, 'proxy-server.conf'), proxyConf(common(proxyPort), memcachedPort));
    for (const kind of ['account', 'container', 'object']) start(children, `swift-${kind}-server`, [path.join(dir, `${kind}-server.conf`)], dir);
    const proxy = start(children, 'swift-proxy-server', [path.join(dir, 'proxy-server.conf')], dir);

    const s3Endpoint = `http://127.0.0.1:${proxyPort}`;
    await waitFor(`redis-server on port ${redisPort}`, () => connects(redisPort), children);
    await waitFor(`swift-proxy-server on port ${proxyPort}`, async () => (await fetch(`${s3Endpoint}/healthcheck`).catch(() => undefined))?.ok === true, children);
    const env: Record<string, string> = {
      AWS_ENDPOINT_URL_S3: s3Endpoint,
      AWS_ACCESS_KEY_ID: S3_ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY,
      AWS_REGION: 'us-east-1',
      RETRAIN_REMOTE_CACHE: `s3://${bucket}/cache`,
    };
    const redisUrl = `redis://127.0.0.1:${redisPort}`;
    const s3 = new S3Client({ endpoint: s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: S3_ACCESS_KEY, secretAccessKey: S3_SECRET_KEY } });
    // The backend servers may still be starting when the proxy answers its health check.
    await waitFor(`bucket ${bucket}`, () => s3.send(new CreateBucketCommand({ Bucket: bucket })).then(() => true, () => false), children);
    s3.destroy();
    return { redisUrl, s3Endpoint, bucket, env, pids: { redis: redis.pid!, proxy: proxy.pid!, memcached: memcached.pid! }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function proxyConf(common: string, memcachedPort: number): string {
  const filters = ['catch_errors', 'gatekeeper', 'healthcheck', 'listing_formats', 'copy', 'dlo', 'slo'];
  return `${common}
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy dlo slo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin

[filter:s3api]
use = egg:swift#s3api

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:${memcachedPort}

[filter:proxy-logging]
use = egg:swift#proxy_logging
${filters.map((name) => `\n[filter:${name}]\nuse = egg:swift#${name}\n`).join('')}`;
}

function start(children: ChildProcess[], program: string, args: string[], cwd: string): ChildProcess {
  const child = spawn(program, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  child.on('error', () => undefined);
  Object.assign(child, { describe: () => `${program} exited (${child.exitCode ?? child.signalCode}): ${stderr.trim().split('\n').slice(-3).join(' | ')}` });
  children.push(child);
  return child;
}

const RING_SCRIPT = `
import sys
from swift.common.ring import RingBuilder
for arg in sys.argv[1:]:
    kind, port = arg.split('=')
    builder = RingBuilder(6, 1, 1)
    builder.add_dev({'region': 1, 'zone': 1, 'ip': '127.0.0.1', 'port': int(port), 'device': 'd1', 'weight': 100})
    builder.rebalance()
    builder.get_ring().save(kind + '.ring.gz')
`;

function run(program: string, args: string[], cwd: string): void {
  const result = spawnSync(program, args, { cwd, encoding: 'utf8' });
  if (result.error || result.status !== 0) throw new Error(`${program} ${args.join(' ')} failed: ${result.error?.message ?? result.stderr ?? result.stdout}`);
}

async function waitFor(what: string, ready: () => Promise<boolean>, children: ChildProcess[], timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = children.find((child) => child.exitCode !== null || child.signalCode !== null);
    if (dead) throw new Error((dead as ChildProcess & { describe(): string }).describe());
    if (await ready()) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** Ports the kernel hands out as free at this moment. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Server>((resolve) => { const server = net.createServer(); server.listen(0, '127.0.0.1', () => resolve(server)); })),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGCONT'); // a test may have stopped it
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const services = await startServices();
  process.stdout.write('# Redis and an S3 API store (Swift + s3api) are running. In another shell:\n');
  for (const [name, value] of Object.entries(services.env)) process.stdout.write(`export ${name}=${value}\n`);
  process.stdout.write(`# queue: retrain worker --queue ${services.redisUrl}; retrain build --queue ${services.redisUrl}\n`);
  process.stdout.write('# Ctrl-C stops them and removes their data.\n');
  const shutdown = () => void services.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
