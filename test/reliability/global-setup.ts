import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { BUILD_DIR, MAIN, ROOT } from './support';

/** Compiles the service once with the production tsconfig into test/artifacts/reliability-build. */
export default function globalSetup(): void {
  fs.rmSync(BUILD_DIR, { recursive: true, force: true });
  try {
    execFileSync(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', BUILD_DIR, '--incremental', 'false'],
      { cwd: ROOT, stdio: 'pipe' },
    );
  } catch (error) {
    // tsc still emits on type errors; those are `npm run check`'s business, running the service is ours.
    if (!fs.existsSync(MAIN)) throw error;
  }
}
