/**
 * Benchmark of the rate governor: 10,000 creates through the ZCC client (`createUsers`: batch
 * create, 20 users a call, label MEDIUM) against the emulator at business-plan limits with a time
 * scale. Prints achieved calls/s ÷ allowed calls/s (goal ≥ 0.9), the 429s (goal 0), wall time and
 * peak RSS (of this process, which also hosts the emulator).
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/governor.js [--users N] [--scale S] [--concurrency C] [--utilisation U]
 */
import { startEmulator } from '../emulator';
import { RateGovernor, ZoomCcClient, createUsers, type CreateUserItem } from '../src/zoom';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name}: expected a positive number, got ${process.argv[i + 1]}`);
  return v;
}

async function main(): Promise<void> {
  const users = arg('users', 10_000);
  // ×3 (business Medium = 60 calls/s): the emulator runs in this process and must not be the
  // bottleneck (it does ~150 batch creates/s unthrottled on a busy 2-core machine).
  const scale = arg('scale', 3);
  const concurrency = arg('concurrency', 8);
  const utilisation = arg('utilisation', 0.95);
  const plan = 'business' as const;

  const emu = await startEmulator({
    port: 0,
    plan,
    timeScale: scale,
    seed: { accountUsers: Array.from({ length: users }, (_, i) => ({ email: `bench${i}@example.com`, name: `Bench ${i}` })) },
  });
  try {
    const governor = new RateGovernor({ plan, scale, utilisation });
    const zcc = new ZoomCcClient({
      baseUrl: emu.baseUrl,
      tokenUrl: emu.tokenUrl,
      accountId: 'emulator-account',
      clientId: 'emulator-client',
      clientSecret: 'emulator-secret',
      plan,
      rateScale: scale,
      governor,
    });
    const agent = (await zcc.resolveRoles(['Agent'])).get('Agent')!;
    const items: CreateUserItem[] = Array.from({ length: users }, (_, i) => ({ user_email: `bench${i}@example.com`, role_id: agent }));
    emu.resetStats();

    const t0 = performance.now();
    const out = await createUsers(zcc, items, { concurrency });
    const wallS = (performance.now() - t0) / 1000;

    const stats = emu.stats();
    const calls = stats.calls['POST /contact_center/users/batch'] ?? 0;
    const allowed = governor.allowedPerSecond('medium');
    const achieved = calls / wallS;
    const done = out.filter((o) => o.outcome === 'done').length;
    const rssMb = process.resourceUsage().maxRSS / 1024;
    const result = {
      users,
      done,
      plan,
      timeScale: scale,
      concurrency,
      governorUtilisation: utilisation,
      batchCalls: calls,
      wallSeconds: Number(wallS.toFixed(2)),
      allowedCallsPerSecond: allowed,
      achievedCallsPerSecond: Number(achieved.toFixed(1)),
      achievedOverAllowed: Number((achieved / allowed).toFixed(3)),
      rateLimited429: stats.rateLimited,
      peakRssMb: Number(rssMb.toFixed(0)),
    };
    console.log(JSON.stringify(result, null, 2));
    const ok = result.achievedOverAllowed >= 0.9 && result.rateLimited429 === 0 && done === users;
    console.log(ok ? 'governor: OK (≥ 0.9 of allowed, 0 × 429)' : 'governor: BELOW GOAL');
    if (!ok) process.exitCode = 1;
  } finally {
    await emu.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
