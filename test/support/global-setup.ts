import { execFileSync } from 'node:child_process';

/** Tests that start the real `resell` command need the compiled CLI of the current sources. */
export default function setup(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
