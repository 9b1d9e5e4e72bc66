import type { BenchFigure } from '../report';
import { median } from '../stats';

/** What a figure is checked against (the targets), when it has one. */
export type Target = NonNullable<BenchFigure['target']>;

/**
 * Collects per-round values of (scenario, metric, server) and turns them into report figures with
 * their medians, in the order they were first recorded.
 */
export class FigureBook {
  private readonly rows = new Map<
    string,
    { scenario: string; metric: string; unit: string; server: string; rounds: number[]; target?: Target }
  >();

  /** `log`: told of every value as it is recorded, so a run that fails later still shows what it measured. */
  constructor(private readonly log?: (line: string) => void) {}

  record(scenario: string, metric: string, unit: string, server: string, value: number, target?: Target): void {
    this.log?.(`${server}: ${scenario}: ${metric} ${value} ${unit}`);
    const key = `${scenario}\u0000${metric}\u0000${server}`;
    let row = this.rows.get(key);
    if (!row) this.rows.set(key, (row = { scenario, metric, unit, server, rounds: [], target }));
    row.rounds.push(value);
  }

  figures(): BenchFigure[] {
    return [...this.rows.values()].map((r) => ({ ...r, value: median(r.rounds) }));
  }
}
