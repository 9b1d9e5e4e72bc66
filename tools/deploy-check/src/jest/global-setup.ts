/**
 * Jest globalSetup of the chart checks: helm and the validator in .pushwire/bin, built from the Go
 * module proxy on first use (a clear error naming what to install when Go is missing: never a skip).
 */
import { ensureDeployTools } from '../tools';

export default function globalSetup(): void {
  ensureDeployTools((msg) => process.stderr.write(`[deploy-check] ${msg}\n`));
}
