// Issue 11 item 13: in a clone without ../shared, suites that need it must skip without running
// their bodies (and say so), fail under CI=true, and a file that fails to load must count as a
// failure in `N passed, N failed`. Each case runs vitest on a fixture in a child process.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarizeVitest } from '../test-summary.mjs';
import { REPO_ROOT, SHARED_DIR } from './shared.js';

const FIXTURES = join(REPO_ROOT, 'scripts/test-support/fixtures');
const VITEST = join(REPO_ROOT, 'node_modules/vitest/vitest.mjs');

function runFixture(file: string, env: Record<string, string | undefined>) {
  const out = join(mkdtempSync(join(tmpdir(), 'fle-ts-fixture-')), 'report.json');
  const childEnv: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
  delete childEnv.CI;
  delete childEnv.VITEST;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  const r = spawnSync(process.execPath, [VITEST, 'run', '--config', join(FIXTURES, 'vitest.config.ts'), '--reporter=default', '--reporter=json', `--outputFile=${out}`, file], {
    cwd: REPO_ROOT,
    env: childEnv,
    encoding: 'utf8',
  });
  const report: unknown = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : undefined;
  return { status: r.status, output: `${r.stdout}\n${r.stderr}`, report };
}

const absent = join(tmpdir(), 'fle-ts-no-such-shared-dir');

describe('describeShared in a clone without ../shared (issue 11 item 13)', () => {
  it('CI unset: the body is not run, the suite is skipped with a notice naming it, the rest of the file runs', () => {
    const r = runFixture('needs-shared.fixture.ts', { FLE_SHARED_DIR: absent });
    expect(r.output).toContain('[fle-ts] skipped');
    expect(r.output).toContain('fixture: reads ../shared at collect time');
    expect(r.status, r.output).toBe(0);
    expect(summarizeVitest(r.report)).toMatchObject({ passed: 1, failed: 0, skipped: 1, loadErrors: [] });
  });

  it('CI=true: the suite fails', () => {
    const r = runFixture('needs-shared.fixture.ts', { FLE_SHARED_DIR: absent, CI: 'true' });
    expect(r.status).toBe(1);
    expect(summarizeVitest(r.report)).toMatchObject({ passed: 1, failed: 1 });
  });

  it.runIf(existsSync(join(SHARED_DIR, 'test-vectors/README.md')))('with ../shared present the body runs', () => {
    const r = runFixture('needs-shared.fixture.ts', { FLE_SHARED_DIR: SHARED_DIR });
    expect(r.status, r.output).toBe(0);
    expect(summarizeVitest(r.report)).toMatchObject({ passed: 2, failed: 0, skipped: 0 });
  });
});

describe('scripts/test.mjs counts a file that fails to load as a failure', () => {
  it('vitest reports it with no failed test; summarizeVitest counts it', () => {
    const r = runFixture('load-error.fixture.ts', {});
    expect(r.status).toBe(1);
    const report = r.report as { numFailedTests: number };
    expect(report.numFailedTests).toBe(0); // what the old summary line added: 0 failures
    const s = summarizeVitest(r.report);
    expect(s.failed).toBe(1);
    expect(s.loadErrors[0]?.file).toMatch(/load-error\.fixture\.ts$/);
    expect(s.loadErrors[0]?.message).toContain('this file fails to load');
  });
});

describe('the mcoracle hint names the real cause (issue 11 item 13)', () => {
  const build = (env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/build-mcoracle.mjs')], { encoding: 'utf8', env: { ...process.env, ...env } });

  it("a user's clone: the oracle source is missing, libmongocrypt is not blamed", () => {
    const r = build({ FLE_SHARED_DIR: absent });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('the oracle source is not part of a clone');
    expect(r.stderr).not.toContain('libmongocrypt');
  });

  it('the source is there but pkg-config finds no libmongocrypt: says what to install', () => {
    const shared = mkdtempSync(join(tmpdir(), 'fle-ts-fake-shared-'));
    mkdirSync(join(shared, 'tools/mcoracle'), { recursive: true });
    writeFileSync(join(shared, 'tools/mcoracle/mcoracle.c'), '/* never compiled: pkg-config is not on PATH */\n');
    const r = build({ FLE_SHARED_DIR: shared, PATH: join(shared, 'no-bin') });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('apt-get install -y libmongocrypt-dev');
    expect(r.stderr).not.toContain('not part of a clone');
  });
});
